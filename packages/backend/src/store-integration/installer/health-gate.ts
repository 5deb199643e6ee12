import type { LastUpdate, PermissionSet } from '@oko/shared';
import type { HealthWindows, WatchedUpdate } from '../../versions/updates/health-windows.js';
import type { InstallerContext } from './installer-context.js';
import { cacheSource } from './package-source.js';
import { restoreCached } from './restore-cached.js';
import { wasRunning } from './install-checks.js';

/**
 * What happens after an update is in place: an inactive plugin is `updated` at once; an active one
 * that failed to load goes back to the previous version now; one that loaded is watched
 * (HealthWindows) and goes back if its process dies inside the window. Automatic rollbacks skip
 * the dependency guard (they return to what ran) and give back the grant the previous version had.
 */
export class HealthGate {
  constructor(
    private readonly ctx: InstallerContext,
    readonly windows: HealthWindows,
  ) {
    windows.rollBack = async (update, reason) => {
      await this.ctx.plugins.withPluginLock(update.name, async () => {
        await this.rollBack(update, reason);
        // The claimed death skipped the crash policy's restart: a version that could not be left
        // (not kept, or the restore failed) is started again, as any crashed plugin would be.
        const current = await this.ctx.plugins.get(update.name);
        if (current?.state === 'error' && current.version === update.last.to)
          await this.ctx.plugins.load(update.name).catch(() => undefined);
      });
    };
  }

  /** Called under the plugin's lock once the new version is in place (and loaded when it was active). */
  async afterUpdate(
    name: string,
    last: LastUpdate,
    held: PermissionSet,
    wasActive: boolean,
    loadFailure: string | undefined,
  ): Promise<LastUpdate> {
    if (loadFailure !== undefined) {
      return this.rollBack({ name, last, held }, `the new version failed to load: ${loadFailure}`);
    }
    if (!wasActive || this.windows.windowS === 0) {
      await this.windows.record(name, last);
      return last;
    }
    const watch_until = new Date(Date.parse(last.at) + this.windows.windowS * 1000).toISOString();
    const watching: LastUpdate = { ...last, result: 'watching', watch_until };
    await this.windows.watch({ name, last: watching, held });
    return watching;
  }

  /** Returns `update.last.to` to `update.last.from` from the package cache; the result goes to last_update. */
  private async rollBack(update: WatchedUpdate, reason: string): Promise<LastUpdate> {
    const { name, last } = update;
    const current = await this.ctx.plugins.get(name);
    // A death's rollback waits for the lock: an uninstall, update or rollback that got it first decided
    // (restoring now would bring an uninstalled plugin back with its old grant, or undo the newer update).
    if (current?.version !== last.to) {
      this.ctx.log?.warn({ plugin: name }, `update of ${name} not rolled back: it is no longer installed at ${last.to}`);
      return last;
    }
    const cached = await this.ctx.cache?.byVersion(name, last.from);
    if (!cached) {
      const kept: LastUpdate = {
        ...last,
        result: 'updated',
        reason: `${reason}; not rolled back: version ${last.from} is not in the package cache`,
      };
      this.ctx.log?.warn({ plugin: name }, kept.reason!);
      await this.windows.record(name, kept);
      return kept;
    }
    let outcome = reason;
    try {
      const { loadFailure } = await restoreCached(this.ctx, cacheSource(cached), {
        held: update.held,
        grant: update.held,
        unloadFirst: wasRunning(current),
        loadAfter: true,
        assertAllowed: async () => undefined,
      });
      if (loadFailure) outcome = `${reason}; version ${last.from} was restored but failed to load too: ${loadFailure}`;
    } catch (error) {
      outcome = `${reason}; restoring version ${last.from} failed: ${(error as Error).message}`;
    }
    const rolledBack: LastUpdate = { ...last, result: 'rolled_back', reason: outcome };
    this.ctx.log?.warn({ plugin: name, from: last.to, to: last.from }, `update rolled back: ${outcome}`);
    await this.windows.record(name, rolledBack);
    return rolledBack;
  }
}
