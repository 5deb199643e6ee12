import {
  createError,
  engineProblem,
  isNewerVersion,
  sharedPathName,
  type InstalledPluginInfo,
  type PermissionSet,
  type PluginManifest,
  type PluginPermissions,
  type UiConfig,
} from '@oko/shared';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { InstalledPlugin } from '../plugin-registry-port.js';
import type { InstallerContext } from './installer-context.js';

/**
 * Refused before anything is written: a plugin whose name or API prefix is another installed
 * plugin's would keep both from loading (host-launch.ts refuses a shared path name).
 */
export async function assertNoPathClash(
  ctx: InstallerContext,
  name: string,
  ui: UiConfig | null | undefined,
  listed?: InstalledPlugin[],
): Promise<void> {
  const installed = listed ?? (await ctx.plugins.list());
  const clash = sharedPathName(
    name,
    ui,
    installed.map((plugin) => ({ name: plugin.id, ui: plugin.ui ? { api_prefix: plugin.ui.api_prefix } : null })),
  );
  if (!clash) return;
  throw createError(
    'PLUGIN_NAME_TAKEN',
    `Plugin '${name}' cannot be installed: '${clash.name}' is the name or API prefix of installed plugin '${clash.other}', ` +
      'and two plugins may not share one (/api/v1/plugins/{name or api_prefix}); uninstall one of them',
    { details: { path_name: clash.name, installed_plugin: clash.other } },
  );
}

/** What the installed plugin holds, after refusing a widening nobody accepted. */
export async function assertPermissions(
  ctx: InstallerContext,
  name: string,
  installed: InstalledPlugin,
  requested: PluginPermissions | undefined,
  accepted: boolean,
): Promise<PermissionSet> {
  const held = await ctx.grants.heldBy(name, installed.manifest?.permissions);
  ctx.grants.assertNoWidening(name, held, requested, accepted);
  return held;
}

/** `listed`: the installed plugins as the caller just listed them (one scan for several checks). */
export async function assertNotInstalled(ctx: InstallerContext, name: string, listed?: InstalledPlugin[]): Promise<void> {
  const plugin = listed ? listed.find((candidate) => candidate.id === name) : await ctx.plugins.get(name);
  if (plugin?.scope === 'dev') throw heldByDevPlugin(name, 'installed', 'ALREADY_INSTALLED');
  if (plugin || (await ctx.folder.has(name))) {
    const version = plugin ? ` (version ${plugin.version}, ${plugin.scope})` : '';
    throw createError('ALREADY_INSTALLED', `Plugin '${name}' is already installed${version}; uninstall it first`);
  }
}

/** The installed external plugin `name`, or NOT_INSTALLED / ILLEGAL_TRANSITION (builtin). */
export async function installedExternal(ctx: InstallerContext, name: string, verb: string): Promise<InstalledPlugin> {
  const plugin = await ctx.plugins.get(name);
  if (!plugin) throw notInstalled(name);
  if (plugin.scope === 'builtin') {
    throw createError('ILLEGAL_TRANSITION', `Plugin '${name}' is built into the backend and cannot be ${verb}`);
  }
  if (plugin.scope === 'dev') throw heldByDevPlugin(name, verb);
  return plugin;
}

/**
 * A development plugin's name is held by its session (README "Development plugins"): the store
 * neither installs over it nor updates, rolls back or uninstalls it; DELETE /dev/plugins/{name} ends it.
 */
export function heldByDevPlugin(name: string, verb: string, code: 'ILLEGAL_TRANSITION' | 'ALREADY_INSTALLED' = 'ILLEGAL_TRANSITION') {
  return createError(
    code,
    `'${name}' is a development plugin (sent by oko-plugin dev) and cannot be ${verb} through the store; ` +
      `stop oko-plugin dev or DELETE /api/v1/dev/plugins/${name} first`,
  );
}

/**
 * The installed plugin `entry` may replace: installed, not builtin, and newer than the entry, or
 * older with `allowDowngrade`.
 */
export async function assertUpdatable(ctx: InstallerContext, entry: CatalogEntry, allowDowngrade: boolean): Promise<InstalledPlugin> {
  const plugin = await installedExternal(ctx, entry.name, 'updated from the store');
  if (isNewerVersion(entry.version, plugin.version)) return plugin;
  if (entry.version === plugin.version || !isNewerVersion(plugin.version, entry.version)) {
    throw createError(
      'NO_NEWER_VERSION',
      `Plugin '${entry.name}' is already installed at version ${plugin.version}; the store's version ${entry.version} is not newer`,
    );
  }
  if (!allowDowngrade) {
    throw createError(
      'DOWNGRADE',
      `Plugin '${entry.name}' is installed at version ${plugin.version}; ${entry.version} is older: send {"allow_downgrade": true} to move back`,
      { details: { installed_version: plugin.version, version: entry.version } },
    );
  }
  return plugin;
}

/** The package's own word counts: its manifest's engines.oko against this dashboard's plugin API. */
export function assertEngine(manifest: PluginManifest): void {
  const problem = engineProblem(manifest.engines?.oko);
  if (problem) {
    throw createError('INCOMPATIBLE', `Plugin '${manifest.name}' ${manifest.version} cannot run here: ${problem}`, {
      details: { engines: manifest.engines?.oko ?? null },
    });
  }
}

export function resultView(plugin: InstalledPluginInfo | undefined, entry: CatalogEntry): InstalledPluginInfo {
  return {
    id: plugin?.id ?? entry.name,
    name: plugin?.name ?? entry.name,
    version: plugin?.version ?? entry.version,
    state: plugin?.state ?? 'discovered',
    scope: plugin?.scope ?? 'external',
  };
}

export function notInstalled(ref: string) {
  return createError('NOT_INSTALLED', `No installed plugin '${ref}' (by name or store id)`);
}

export function wasRunning(plugin: InstalledPlugin | undefined): boolean {
  return plugin?.state === 'active' || plugin?.state === 'loading';
}
