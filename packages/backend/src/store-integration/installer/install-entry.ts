import type { InstallAnswer } from '@oko/shared';
import { assertExpectedPermissions, type ExpectedPackage } from '../../versions/expected-package.js';
import { assertEngine, assertNoPathClash, assertNotInstalled, resultView } from './install-checks.js';
import type { InstalledPlugin } from '../plugin-registry-port.js';
import type { InstallerContext } from './installer-context.js';
import type { PackageSource } from './package-source.js';
import { withStagedPackage } from './staged-package.js';

/** Calling install is consent: the package's declared permissions become its grant. */
export async function installEntry(
  ctx: InstallerContext,
  source: PackageSource,
  expected?: ExpectedPackage,
  listed?: InstalledPlugin[],
): Promise<InstallAnswer> {
  const { entry } = source;
  // One listing (one scan of the plugins folder, or the caller's) for the checks that refuse before any download.
  const installed = listed ?? (await ctx.plugins.list());
  await assertNotInstalled(ctx, entry.name, installed);
  await assertNoPathClash(ctx, entry.name, entry.ui, installed);
  // Installed plugins' ranges on it hold from the package cache (store down) too.
  await ctx.dependencyGuard?.assertVersionAllowed(entry.name, entry.version, installed);
  const { signatures } = ctx;
  const { plugin, permissions, admission } = await withStagedPackage(ctx.folder, source, (pluginDir, files, zipFile) =>
    // Under the plugin's lock, so no load/unload/rescan of the same id sees a half-made state.
    ctx.plugins.withPluginLock(entry.name, async () => {
      // Checked again: a folder may have appeared (by hand) while we downloaded, and the package is what counts.
      const current = await ctx.plugins.list();
      await assertNotInstalled(ctx, entry.name, current);
      await assertNoPathClash(ctx, entry.name, files.ui, current);
      assertEngine(files.manifest);
      // A dependency plan's consent covers the permissions it showed, not what the package adds.
      assertExpectedPermissions(files.manifest.permissions, expected);
      // Refused before anything is recorded (INVALID_SIGNATURE, SIGNATURE_REQUIRED).
      const admission = await signatures?.admit(pluginDir, files.manifest);
      // Recorded first: a failed write leaves plugins/ untouched, and the plugin never appears without its grant or file record.
      // Two files in two folders, each written and fsynced: at once rather than one after the other.
      const [granted, kept] = await Promise.allSettled([
        ctx.grants.grant(entry.name, files.manifest.permissions),
        admission ? signatures!.keep(entry.name, admission) : undefined,
      ]);
      try {
        if (granted.status === 'rejected') throw granted.reason;
        if (kept.status === 'rejected') throw kept.reason;
        await ctx.folder.place(pluginDir, entry.name);
      } catch (error) {
        if (granted.status === 'fulfilled') await ctx.grants.revoke(entry.name).catch(() => undefined);
        await signatures?.forget(entry.name).catch(() => undefined);
        throw error;
      }
      const permissions = granted.value;
      // Only this folder changed: reading it alone is enough for the plugin to be listed, while the
      // cache takes its link of the ZIP (the rest of its bookkeeping need not hold up the answer).
      const holding = holdPackage(ctx, source, zipFile);
      try {
        return { plugin: await ctx.plugins.discover(entry.name), permissions, admission };
      } finally {
        await holding;
      }
    }),
  );
  const notes = admission ? { signature: admission.signature, warning: admission.warning } : {};
  const cached = source.fromCache ? ' from the package cache (the store is unavailable)' : '';
  return {
    status: 'installed',
    plugin: resultView(plugin, entry),
    permissions,
    ...notes,
    message: `Plugin ${entry.name} installed successfully${cached}`,
  };
}

/** keepPackage() that returns once the cache holds the ZIP's bytes (PackageCache.hold); never throws either. */
async function holdPackage(ctx: InstallerContext, source: PackageSource, zipFile: string): Promise<void> {
  await ctx.cache?.hold(source.entry, zipFile).catch((error: unknown) => {
    ctx.log?.warn({ err: error, plugin: source.entry.name }, 'could not keep the package in the package cache');
  });
}

/** The package is already verified: a cache that cannot keep it costs a later rollback, not this install. */
export async function keepPackage(ctx: InstallerContext, source: PackageSource, zipFile: string): Promise<void> {
  await ctx.cache?.keep(source.entry, zipFile).catch((error: unknown) => {
    ctx.log?.warn({ err: error, plugin: source.entry.name }, 'could not keep the package in the package cache');
  });
}
