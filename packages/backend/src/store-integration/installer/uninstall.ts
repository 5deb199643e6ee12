import { createError, type UninstallAnswer } from '@oko/shared';
import { mapFsError } from './fs-errors.js';
import { heldByDevPlugin, notInstalled, wasRunning } from './install-checks.js';
import type { InstallerContext } from './installer-context.js';

/**
 * Removes an installed plugin: its folder, grant, file record and version settings. Its data
 * folder (OKO_DATA_DIR/plugins/<id>) and its kept packages stay, so a reinstall (even offline)
 * finds both.
 */
export async function removeInstalled(ctx: InstallerContext, name: string): Promise<UninstallAnswer> {
  return ctx.plugins.withPluginLock(name, async () => {
    const plugin = await ctx.plugins.get(name);
    if (plugin?.scope === 'builtin') {
      throw createError('ILLEGAL_TRANSITION', `Plugin '${name}' is built into the backend and cannot be uninstalled`);
    }
    if (plugin?.scope === 'dev') throw heldByDevPlugin(name, 'uninstalled');
    // The lock is re-entrant: unload runs inside it, so nothing can load the plugin in between.
    if (wasRunning(plugin)) await ctx.plugins.unload(name);
    const trash = ctx.folder.trashPath(name);
    try {
      // Renamed first so the plugin disappears in one step; the slow delete happens out of sight.
      await ctx.folder.moveAside(name, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled(name);
      throw mapFsError(error, ctx.folder.dir);
    }
    await ctx.grants.revoke(name);
    await ctx.signatures?.forget(name);
    await ctx.settings?.forget(name);
    await ctx.plugins.discover(name);
    await ctx.folder.removeQuietly(trash);
    return {
      status: 'uninstalled' as const,
      plugin: { id: name, name, version: plugin?.version ?? '' },
      message: `Plugin ${name} uninstalled successfully`,
    };
  });
}
