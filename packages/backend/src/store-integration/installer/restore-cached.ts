import type { PermissionSet, PluginPermissions } from '@oko/shared';
import type { PluginManifest } from '@oko/shared';
import { assertEngine, assertNoPathClash } from './install-checks.js';
import type { InstallerContext } from './installer-context.js';
import type { PackageSource } from './package-source.js';
import { replaceInstalled } from './replace-installed.js';
import { withStagedPackage } from './staged-package.js';

export interface RestoreOptions {
  /** What the plugin holds now (given back when the swap fails). */
  held: PermissionSet;
  /** The grant the restored version starts with; undefined: what its manifest declares. */
  grant: PluginPermissions | undefined;
  unloadFirst: boolean;
  loadAfter: boolean;
  /** Refusals on the package's own manifest (permissions, dependencies) before anything changes. */
  assertAllowed: (manifest: PluginManifest) => Promise<void>;
}

/**
 * Puts a kept package back in place of the installed version (a rollback, explicit or automatic).
 * The same checks as an install: the signature policy, the engine, path clashes. The package
 * cache's history is left as it is, so a second rollback goes further back.
 */
export async function restoreCached(
  ctx: InstallerContext,
  source: PackageSource,
  options: RestoreOptions,
): Promise<{ permissions: PermissionSet; loadFailure?: string }> {
  const { entry } = source;
  return withStagedPackage(ctx.folder, source, (pluginDir, files) =>
    ctx.plugins.withPluginLock(entry.name, async () => {
      await options.assertAllowed(files.manifest);
      await assertNoPathClash(ctx, entry.name, files.ui);
      assertEngine(files.manifest);
      const admission = await ctx.signatures?.admit(pluginDir, files.manifest);
      return replaceInstalled(ctx, {
        name: entry.name,
        pluginDir,
        admission,
        grant: options.grant ?? files.manifest.permissions,
        held: options.held,
        unloadFirst: options.unloadFirst,
        loadAfter: options.loadAfter,
      });
    }),
  );
}
