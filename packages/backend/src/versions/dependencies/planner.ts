import {
  createError,
  engineProblem,
  newestFirst,
  normalizePermissions,
  satisfiesRange,
  type DependencyPlan,
  type PlannedInstall,
  type StoreVersion,
} from '@oko/shared';
import semver from 'semver';

/** An installed plugin as the plan sees it (a plugin summary has these fields). */
export interface InstalledDependency {
  id: string;
  version: string;
  state?: string;
  dependencies?: Record<string, string>;
}

/** The version about to be installed or updated to. */
export interface PlanTarget {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

export interface PlanSources {
  installed: InstalledDependency[];
  /** The store's versions of `name` (StoreClient.listVersions); only asked for names that are missing. */
  versionsOf: (name: string) => Promise<StoreVersion[]>;
  isPinned: (name: string) => Promise<boolean>;
}

interface Constraint {
  by: string;
  range: string;
}

/** A plan this many rounds long has not settled: the constraints chase each other. */
const MAX_ROUNDS = 50;
/** A plan needing more plugins than this is refused: the store names the dependencies, and could name them for ever. */
export const MAX_PLANNED = 100;

/**
 * The plugins to install so that `target` has every dependency it names, transitively: per missing
 * name, the newest store version that satisfies every range on it (of the installed plugins, the
 * target and the plan itself) and whose engine fits. Installed plugins never move: one whose version
 * a range refuses is a DEPENDENCY_CONFLICT naming both constraints; a cycle is refused too.
 * Ordered so dependencies come before their dependents.
 */
export async function planDependencies(target: PlanTarget, sources: PlanSources): Promise<DependencyPlan> {
  const installed = new Map(sources.installed.filter((plugin) => plugin.id !== target.name).map((plugin) => [plugin.id, plugin]));
  const chosen = new Map<string, StoreVersion>();
  const listings = new Map<string, Promise<StoreVersion[]>>();
  const versionsOf = (name: string) => {
    if (!listings.has(name)) listings.set(name, sources.versionsOf(name));
    return listings.get(name)!;
  };
  const depsOf = (name: string): Record<string, string> =>
    name === target.name ? target.dependencies : (chosen.get(name)?.dependencies ?? installed.get(name)?.dependencies ?? {});
  const constraintsOn = (name: string): Constraint[] => {
    const planned = [target.name, ...chosen.keys()].map((by) => ({ by, range: depsOf(by)[name] }));
    const held = [...installed.values()].map((plugin) => ({ by: plugin.id, range: plugin.dependencies?.[name] }));
    return [...planned, ...held].filter((c): c is Constraint => c.range !== undefined);
  };
  /** Names the target needs through itself and the plan (installed plugins end a path: they do not move). */
  const needed = (): Set<string> => {
    const found = new Set<string>();
    const walk = (name: string) => {
      for (const dep of Object.keys(depsOf(name))) {
        if (found.has(dep) || dep === target.name) continue;
        found.add(dep);
        if (!installed.has(dep)) walk(dep);
      }
    };
    walk(target.name);
    return found;
  };

  for (let round = 0; ; round += 1) {
    if (round === MAX_ROUNDS) throw conflict(`the dependencies of ${target.name} ${target.version} do not settle on one set of versions`);
    let changed = false;
    const names = needed();
    if (names.size > MAX_PLANNED) {
      throw conflict(
        `${target.name} ${target.version} needs more than ${MAX_PLANNED} plugins through its dependencies; nothing was planned`,
      );
    }
    for (const name of [...names].sort()) {
      if (installed.has(name)) continue;
      const pick = await pickVersion(name, constraintsOn(name), versionsOf);
      if (chosen.get(name)?.id !== pick.id) {
        chosen.set(name, pick);
        changed = true;
      }
    }
    for (const name of chosen.keys()) {
      if (!names.has(name)) {
        chosen.delete(name);
        changed = true;
      }
    }
    if (!changed) break;
  }

  for (const name of needed()) {
    const plugin = installed.get(name);
    if (plugin) await assertInstalledFits(plugin, constraintsOn(name), sources.isPinned);
  }
  // The plan's own ranges on the target itself: only a cycle can have one.
  const order = dependencyOrder(target.name, depsOf, (name) => name === target.name || chosen.has(name) || installed.has(name));
  return {
    install: order
      .filter((name) => chosen.has(name))
      .map((name): PlannedInstall => {
        const version = chosen.get(name)!;
        return {
          name,
          version: version.version,
          id: version.id,
          permissions: normalizePermissions(version.permissions),
          required_by: constraintsOn(name).map((c) => `${c.by}@${c.range}`),
        };
      }),
  };
}

/** The newest version of `name` every constraint accepts and this dashboard can run. */
async function pickVersion(
  name: string,
  constraints: Constraint[],
  versionsOf: (name: string) => Promise<StoreVersion[]>,
): Promise<StoreVersion> {
  const needs = constraints.map((c) => `${c.by} needs ${c.range}`).join(' and ');
  let versions: StoreVersion[];
  try {
    versions = await versionsOf(name);
  } catch (error) {
    if ((error as { code?: string }).code === 'PLUGIN_NOT_FOUND')
      throw conflict(`${name}: ${needs}, and the store has no plugin of that name`, { name, constraints });
    throw error;
  }
  // The store's list may hold anything: a version that is not semver can be neither ranged nor sorted.
  const sorted = versions.filter((v) => semver.valid(v.version) !== null).sort((a, b) => newestFirst(a.version, b.version));
  const fitting = sorted.filter((v) => constraints.every((c) => satisfiesRange(v.version, c.range)));
  const pick = fitting.find((v) => engineProblem(v.engines ?? undefined) === undefined);
  if (pick) return pick;
  const why =
    fitting.length > 0
      ? `no version the ranges allow runs on this dashboard (${engineProblem(fitting[0]!.engines ?? undefined)})`
      : `the store has ${sorted.map((v) => v.version).join(', ') || 'no version'}`;
  throw conflict(`${name}: ${needs}; ${why}`, { name, constraints });
}

/** An installed plugin the plan relies on must already satisfy every range on it: it is never moved to make it fit. */
async function assertInstalledFits(
  plugin: InstalledDependency,
  constraints: Constraint[],
  isPinned: (name: string) => Promise<boolean>,
): Promise<void> {
  const refused = constraints.filter((c) => !satisfiesRange(plugin.version, c.range));
  if (refused.length === 0) return;
  const others = constraints.filter((c) => !refused.includes(c));
  const pinned = await isPinned(plugin.id);
  const message =
    `${plugin.id}: ${refused.map((c) => `${c.by} needs ${c.range}`).join(' and ')}, installed is ${plugin.version}` +
    (pinned ? ' (pinned)' : '') +
    others.map((c) => ` and ${c.by} needs ${c.range}`).join('') +
    (others.length === 0 ? `; an installed plugin is never updated to fit: update ${plugin.id} first` : '');
  throw conflict(message, { name: plugin.id, installed_version: plugin.version, pinned, constraints });
}

/**
 * Post-order from `root` along `depsOf` over the nodes `known` accepts: each name after those it
 * depends on. A cycle is refused naming its path.
 */
function dependencyOrder(root: string, depsOf: (name: string) => Record<string, string>, known: (name: string) => boolean): string[] {
  const order: string[] = [];
  const path: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      const cycle = [...path.slice(at), name].join(' → ');
      throw conflict(`dependency cycle: ${cycle}; plugins may not depend on each other in a circle`, { cycle: [...path.slice(at), name] });
    }
    path.push(name);
    for (const dep of Object.keys(depsOf(name)).sort()) if (known(dep)) visit(dep);
    path.pop();
    order.push(name);
  };
  visit(root);
  return order;
}

function conflict(message: string, details?: Record<string, unknown>) {
  return createError('DEPENDENCY_CONFLICT', message, details ? { details } : undefined);
}
