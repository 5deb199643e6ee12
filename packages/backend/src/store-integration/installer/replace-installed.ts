import type { PermissionSet, PluginPermissions } from '@oko/shared';
import type { Admission } from '../../trust/plugin-trust.js';
import type { InstallerContext } from './installer-context.js';

export interface Replacement {
  name: string;
  /** The staged plugin folder that becomes the plugin. */
  pluginDir: string;
  admission?: Admission;
  /** The grant the new code starts with. */
  grant: PluginPermissions | undefined;
  /** The grant to put back when the swap fails (the old code runs again with it). */
  held: PermissionSet;
  /** The old code runs (active, or loading): it is unloaded first. */
  unloadFirst: boolean;
  /** Load the new code once in place (it was running, or an automatic rollback restores what ran). */
  loadAfter: boolean;
}

/**
 * Swaps the installed folder of `name` for a staged one, under the plugin's lock (the caller holds
 * it; it is re-entrant, so unload and load run inside it and nothing loads the old code in between).
 * Update and rollback share it. A new version that fails to load stays in place in state error,
 * and the reason is returned for the caller (the health gate) to act on.
 */
export async function replaceInstalled(
  ctx: InstallerContext,
  r: Replacement,
): Promise<{ permissions: PermissionSet; loadFailure?: string }> {
  // Recorded before anything changes, so the new code starts with exactly the new set (a version
  // asking for less narrows it); a running process keeps what it started with until unloaded.
  const permissions = await ctx.grants.grant(r.name, r.grant);
  const trash = ctx.folder.trashPath(r.name);
  try {
    if (r.unloadFirst) await ctx.plugins.unload(r.name);
    await ctx.folder.swap(r.name, r.pluginDir, trash);
  } catch (error) {
    // The old version is back in place with what it held: run it again if it was running, then report the failure.
    await ctx.grants.grant(r.name, r.held).catch(() => undefined);
    if (r.unloadFirst) await ctx.plugins.load(r.name).catch(() => undefined);
    throw error;
  }
  // The new files' record replaces the old one before anything can load them.
  if (r.admission) await ctx.signatures!.keep(r.name, r.admission);
  await ctx.folder.sync();
  await ctx.plugins.discover(r.name);
  let loadFailure: string | undefined;
  if (r.loadAfter) {
    loadFailure = await ctx.plugins.load(r.name).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  }
  await ctx.folder.removeQuietly(trash);
  return { permissions, loadFailure };
}
