import {
  createError,
  engineProblem,
  isOkoError,
  satisfiesRange,
  type DependencyPlan,
  type InstallAnswer,
  type InstalledPluginInfo,
  type PluginPermissions,
  type StoreVersion,
  type UninstallAnswer,
  type UpdateAnswer,
} from '@oko/shared';
import type { StoreEntryAnswer } from '../../store-integration/client/store-answers.js';
import type { InstalledPlugin } from '../../store-integration/plugin-registry-port.js';
import type { InstallOptions, PluginUpdatePort, UninstallOptions, UpdateOptions, DependencyGuardPort } from '../ports.js';
import { assertEntryOfRef, assertExpectedEntry } from '../expected-package.js';
import { guardDependents, type DependentsRegistry } from './in-use.js';
import { planDependencies, type InstalledDependency } from './planner.js';

/** The catalog entry fields the plan reads (the store client's entry answer has them). */
interface EntryView {
  id: string;
  name: string;
  version: string;
  /** What the store card shows the user before they install. */
  permissions?: PluginPermissions;
  manifest?: unknown;
}

export interface DependencyStorePort {
  /** The whole entry: it is handed to the installer, which installs exactly it without asking again. */
  getPlugin(ref: string): Promise<StoreEntryAnswer>;
  listVersions(name: string): Promise<{ versions: StoreVersion[] }>;
}

export interface DependencyAwareOptions {
  /** The installer: each plugin of a plan goes through it, so each gets the signature policy and its own grant. */
  inner: PluginUpdatePort;
  client: DependencyStorePort;
  plugins: Omit<DependentsRegistry, 'list'> & { list(): Promise<InstalledPlugin[]> };
  /** Pins (VersionSettingsStore): a pinned plugin is named as such in a conflict; none: nothing is pinned. */
  settings?: { get(id: string): Promise<{ pinned: boolean }> };
  /** Finds the installed plugin a catalog id was installed from (uninstall by store id). */
  installedNameOf?: (storeId: string) => Promise<string | undefined>;
}

/**
 * Install, update and uninstall with engines and dependencies (README "Engines and dependencies"):
 * the exact version chosen must fit this dashboard's plugin API and every installed plugin's range
 * on it; what it needs and is missing is planned from the store and installed only with consent;
 * a plugin others depend on is uninstalled only with force. Wraps the installer; routes and the
 * update policy check call this.
 */
export class DependencyAwareInstaller implements PluginUpdatePort, DependencyGuardPort {
  constructor(private readonly options: DependencyAwareOptions) {}

  async install(ref: string, options: InstallOptions = {}): Promise<InstallAnswer> {
    const entry = await this.entryOf(ref);
    // The store is down: an install from the kept packages proceeds only if it needs nothing missing.
    if (!entry) return this.installOffline(ref, options);
    const installed = await this.options.plugins.list();
    assertExpectedEntry(entry, options.expected);
    // The installer installs the entry checked here (handed over, not fetched again), and its package
    // may ask for no more than the entry lists (what the confirm dialog showed).
    const permissions = options.expected?.permissions ?? entry.permissions;
    const expected = { name: entry.name, version: entry.version, ...(permissions ? { permissions } : {}) };
    const inner = { ...options, expected, entry };
    if (installed.some((plugin) => plugin.id === entry.name)) return this.options.inner.install(entry.id, { ...inner, installed });
    const dependencies = await this.checkEntry(entry, installed, options.acceptDependencies);
    // Dependencies installed just now are not in that listing: the installer then lists again.
    const answer = await this.options.inner.install(entry.id, dependencies.length > 0 ? inner : { ...inner, installed });
    return dependencies.length > 0 ? { ...answer, dependencies_installed: dependencies } : answer;
  }

  async update(ref: string, options: UpdateOptions = {}): Promise<UpdateAnswer> {
    const entry = await this.entryOf(ref);
    if (!entry) return this.options.inner.update(ref, options);
    const installed = await this.options.plugins.list();
    assertExpectedEntry(entry, options.expected);
    const inner = { ...options, expected: { ...options.expected, name: entry.name, version: entry.version }, entry };
    if (!installed.some((plugin) => plugin.id === entry.name)) return this.options.inner.update(entry.id, inner);
    const dependencies = await this.checkEntry(entry, installed, options.acceptDependencies);
    const answer = await this.options.inner.update(entry.id, inner);
    return dependencies.length > 0 ? { ...answer, dependencies_installed: dependencies } : answer;
  }

  async uninstall(ref: string, options: UninstallOptions = {}): Promise<UninstallAnswer> {
    const name = await this.installedName(ref);
    // Every installed dependent counts: it could not load again without this plugin.
    if (name) await guardDependents(this.options.plugins, name, 'uninstall', options.force === true);
    return this.options.inner.uninstall(ref, options);
  }

  async assertVersionAllowed(name: string, version: string, installed?: InstalledDependency[]): Promise<void> {
    this.assertNoDependentRefuses(name, version, installed ?? (await this.options.plugins.list()));
  }

  /**
   * Engine, installed ranges on the entry, then the plan: refused without consent, else installed
   * first. Answers what it installed.
   */
  private async checkEntry(entry: EntryView, installed: InstalledDependency[], accept?: boolean): Promise<InstalledPluginInfo[]> {
    const manifest = manifestOf(entry);
    // On the catalog's word first, so a refusal costs no download; the package's own manifest is checked after extracting.
    const engine = engineProblem(manifest.engines);
    if (engine) throw createError('INCOMPATIBLE', `Plugin '${entry.name}' ${entry.version} cannot run here: ${engine}`);
    this.assertNoDependentRefuses(entry.name, entry.version, installed);
    const plan = await planDependencies(
      { name: entry.name, version: entry.version, dependencies: manifest.dependencies },
      {
        installed,
        versionsOf: async (name) => (await this.options.client.listVersions(name)).versions,
        isPinned: async (name) => (await this.options.settings?.get(name))?.pinned === true,
      },
    );
    if (plan.install.length === 0) return [];
    if (accept !== true) throw dependenciesRequired(entry, plan);
    const done: InstalledPluginInfo[] = [];
    // Each step must be the plugin, version and permissions the plan showed (the store answers each fetch anew).
    for (const step of plan.install) {
      const expected = { name: step.name, version: step.version, permissions: step.permissions };
      done.push((await this.options.inner.install(step.id, { expected })).plugin);
    }
    return done;
  }

  /** An installed plugin whose range on `name` refuses `version` is a conflict: it is never overridden. */
  private assertNoDependentRefuses(name: string, version: string, installed: InstalledDependency[]): void {
    const refusing = installed.filter((plugin) => {
      const range = plugin.id === name ? undefined : plugin.dependencies?.[name];
      return range !== undefined && !satisfiesRange(version, range);
    });
    if (refusing.length === 0) return;
    const current = installed.find((plugin) => plugin.id === name);
    const needs = refusing.map((plugin) => `${plugin.id} needs ${plugin.dependencies![name]}`).join(' and ');
    throw createError(
      'DEPENDENCY_CONFLICT',
      `${name}: ${needs}, and this would install ${version}` + (current ? ` (installed is ${current.version})` : ''),
      {
        details: {
          name,
          version,
          ...(current ? { installed_version: current.version } : {}),
          constraints: refusing.map((plugin) => ({ by: plugin.id, range: plugin.dependencies![name] })),
        },
      },
    );
  }

  /** Installed from the kept packages; refused again when it needs a plugin that is not installed (nothing to plan it from). */
  private async installOffline(ref: string, options: InstallOptions): Promise<InstallAnswer> {
    const answer = await this.options.inner.install(ref, options);
    const installed = await this.options.plugins.list();
    const names = new Set(installed.map((plugin) => plugin.id));
    const plugin = installed.find((p) => p.id === answer.plugin.id);
    const missing = Object.entries(plugin?.dependencies ?? {}).filter(([name]) => !names.has(name));
    if (missing.length === 0) return answer;
    await this.options.inner.uninstall(answer.plugin.id).catch(() => undefined);
    const list = missing.map(([name, range]) => `${name} ${range}`).join(', ');
    throw createError(
      'STORE_UNAVAILABLE',
      `Plugin '${answer.plugin.id}' needs ${list}, which is not installed, and the store cannot be reached to plan it; try again when the store is up`,
    );
  }

  /** The catalog entry of `ref`, or undefined when the store cannot be reached. */
  private async entryOf(ref: string): Promise<StoreEntryAnswer | undefined> {
    try {
      const entry = await this.options.client.getPlugin(ref);
      assertEntryOfRef(ref, entry);
      return entry;
    } catch (error) {
      if (isOkoError(error) && error.code === 'STORE_UNAVAILABLE') return undefined;
      throw error;
    }
  }

  private async installedName(ref: string): Promise<string | undefined> {
    const installed = await this.options.plugins.list();
    if (installed.some((plugin) => plugin.id === ref)) return ref;
    return this.options.installedNameOf?.(ref);
  }
}

/** engines.oko and dependencies of a catalog entry's manifest, read defensively (the store may be older). */
function manifestOf(entry: EntryView): { engines: string | undefined; dependencies: Record<string, string> } {
  const manifest = (entry.manifest ?? {}) as { engines?: { oko?: unknown }; dependencies?: unknown };
  const engines = typeof manifest.engines?.oko === 'string' ? manifest.engines.oko : undefined;
  const raw = manifest.dependencies;
  const dependencies: Record<string, string> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [name, range] of Object.entries(raw)) if (typeof range === 'string') dependencies[name] = range;
  }
  return { engines, dependencies };
}

function dependenciesRequired(entry: EntryView, plan: DependencyPlan) {
  const list = plan.install.map((step) => `${step.name} ${step.version}`).join(', ');
  return createError(
    'DEPENDENCIES_REQUIRED',
    `Plugin '${entry.name}' ${entry.version} needs plugins that are not installed: ${list}; ` +
      'send {"accept_dependencies": true} to install them first (each with its own permissions)',
    { details: plan },
  );
}
