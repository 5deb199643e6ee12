import { isNewerVersion, type LastUpdate, type UpdateAnswer } from '@oko/shared';
import { assertExpectedPermissions } from '../../versions/expected-package.js';
import type { UpdateOptions } from '../../versions/ports.js';
import { keepPackage } from './install-entry.js';
import { assertEngine, assertNoPathClash, assertPermissions, assertUpdatable, resultView, wasRunning } from './install-checks.js';
import type { InstallerContext } from './installer-context.js';
import type { PackageSource } from './package-source.js';
import { replaceInstalled } from './replace-installed.js';
import { withStagedPackage } from './staged-package.js';
import type { HealthGate } from './health-gate.js';

/**
 * Moves an installed plugin to `source`'s version (newer, or older with allowDowngrade). An active
 * plugin is loaded at the new version and handed to the health gate: a failed load returns to the
 * previous version at once, a death inside the window later.
 */
export async function updateEntry(
  ctx: InstallerContext,
  gate: HealthGate,
  source: PackageSource,
  options: UpdateOptions,
): Promise<UpdateAnswer> {
  const { entry } = source;
  const accepted = options.acceptPermissions === true;
  const allowDowngrade = options.allowDowngrade === true;
  // Checked on the catalog's word first, so a refusal costs no download, then on the package itself.
  const installed = await assertUpdatable(ctx, entry, allowDowngrade);
  // Asked here too: from the package cache (store down) the dependency wrapper had no entry to check.
  await ctx.dependencyGuard?.assertVersionAllowed(entry.name, entry.version);
  await assertPermissions(ctx, entry.name, installed, entry.permissions ?? entry.manifest?.permissions, accepted);
  await assertNoPathClash(ctx, entry.name, entry.ui);
  const answer = await withStagedPackage(ctx.folder, source, (pluginDir, files, zipFile) =>
    ctx.plugins.withPluginLock(entry.name, async () => {
      // Checked again under the lock: the plugin may have been removed or replaced while we downloaded.
      const previous = await assertUpdatable(ctx, entry, allowDowngrade);
      const held = await assertPermissions(ctx, entry.name, previous, files.manifest.permissions, accepted);
      // Accepting a widening is consent to what the dialog showed, never to more (UpdateRequest.expect).
      assertExpectedPermissions(files.manifest.permissions, options.expected);
      await assertNoPathClash(ctx, entry.name, files.ui);
      assertEngine(files.manifest);
      const admission = await ctx.signatures?.admit(pluginDir, files.manifest);
      gate.windows.cancel(entry.name);
      const wasActive = wasRunning(previous);
      const { permissions, loadFailure } = await replaceInstalled(ctx, {
        name: entry.name,
        pluginDir,
        admission,
        grant: files.manifest.permissions,
        held,
        unloadFirst: wasActive,
        loadAfter: wasActive,
      });
      await keepPackage(ctx, source, zipFile);
      const last: LastUpdate = {
        from: previous.version,
        to: entry.version,
        at: new Date().toISOString(),
        result: 'updated',
        ...(options.automatic ? { automatic: true } : {}),
      };
      const outcome = await gate.afterUpdate(entry.name, last, held, wasActive, loadFailure);
      const plugin = await ctx.plugins.get(entry.name);
      const updated = `Plugin ${entry.name} updated from ${previous.version} to ${entry.version}`;
      const message = loadFailure
        ? `${updated}, but the new version failed to load: ${loadFailure}` +
          (outcome.result === 'rolled_back' ? `; version ${previous.version} was restored` : '')
        : outcome.result === 'watching'
          ? `${updated}; watched for ${gate.windows.windowS} s`
          : updated;
      return {
        status: 'updated' as const,
        plugin: resultView(plugin, entry),
        previous_version: previous.version,
        permissions: outcome.result === 'rolled_back' ? held : permissions,
        ...(admission ? { signature: admission.signature, warning: admission.warning } : {}),
        last_update: outcome,
        message,
      };
    }),
  );
  // A version restored at once never applied: what was pending still is.
  if (answer.last_update?.result !== 'rolled_back') await clearPendingUpdate(ctx, entry.name, entry.version);
  return answer;
}

/** A pending update this update reaches or passes is no longer pending. */
async function clearPendingUpdate(ctx: InstallerContext, name: string, version: string): Promise<void> {
  await ctx.settings?.update(name, (current) => {
    const pending = current.pending_update;
    if (!pending || isNewerVersion(pending.version, version)) return current;
    const { pending_update: _dropped, ...rest } = current;
    return rest;
  });
}
