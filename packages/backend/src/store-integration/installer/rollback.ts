import { createError, type RollbackAnswer } from '@oko/shared';
import { assertPermissions, installedExternal, wasRunning } from './install-checks.js';
import type { InstallerContext } from './installer-context.js';
import type { HealthGate } from './health-gate.js';
import { cacheSource } from './package-source.js';
import { restoreCached } from './restore-cached.js';

export interface RollbackOptions {
  /** Grant what the earlier version declares beyond the current grant (else 409 PERMISSIONS_CHANGED). */
  acceptPermissions?: boolean;
}

/**
 * POST /plugins/{id}/rollback: back to the version installed before the current one (by install
 * order), from the package cache, so it works with the store down. Asks the dependency guard first.
 */
export async function rollbackInstalled(
  ctx: InstallerContext,
  gate: HealthGate,
  name: string,
  options: RollbackOptions,
): Promise<RollbackAnswer> {
  const installed = await installedExternal(ctx, name, 'rolled back');
  const cached = await ctx.cache?.installedBefore(name, installed.version);
  if (!cached) {
    throw createError(
      'NO_ROLLBACK',
      `Plugin '${name}' has no earlier version in the package cache to return to (installed: ${installed.version})`,
      { details: { installed_version: installed.version } },
    );
  }
  const to = cached.entry.version;
  await ctx.dependencyGuard?.assertVersionAllowed(name, to);
  gate.windows.cancel(name);
  const wasActive = wasRunning(installed);
  let held = await ctx.grants.heldBy(name, installed.manifest?.permissions);
  const { loadFailure } = await restoreCached(ctx, cacheSource(cached), {
    held,
    grant: undefined,
    unloadFirst: wasActive,
    loadAfter: wasActive,
    assertAllowed: async (manifest) => {
      const current = await installedExternal(ctx, name, 'rolled back');
      held = await assertPermissions(ctx, name, current, manifest.permissions, options.acceptPermissions === true);
    },
  });
  const plugin = await ctx.plugins.get(name);
  const back = `Plugin ${name} rolled back from ${installed.version} to ${to}`;
  return {
    status: 'rolled_back',
    plugin: { id: name, name, version: plugin?.version ?? to, state: plugin?.state ?? 'discovered' },
    from: installed.version,
    to,
    message: loadFailure ? `${back}, but it failed to load: ${loadFailure}` : back,
  };
}
