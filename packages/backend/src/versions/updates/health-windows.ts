import type { LastUpdate, PermissionSet } from '@oko/shared';
import type { UpdateDeathPort } from '../../plugin-manager/crash-restarts.js';
import type { VersionSettingsStore } from '../version-settings.js';

/** An applied update of an active plugin, watched for the health window. */
export interface WatchedUpdate {
  name: string;
  last: LastUpdate;
  /** The grant the previous version had: an automatic rollback gives it back. */
  held: PermissionSet;
}

export interface HealthWindowLog {
  warn: (obj: object, msg: string) => void;
}

/**
 * The health gate of updates (README "Installing a version, updates, rollback and the package
 * cache"): an updated active plugin is watched for OKO_UPDATE_HEALTH_WINDOW_S. A death of its
 * process inside the window is claimed here (the plugin manager asks before counting it toward a
 * restart) and rolls the update back; a window that ends quietly makes the update `updated`.
 */
export class HealthWindows implements UpdateDeathPort {
  private readonly open = new Map<string, { update: WatchedUpdate; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();
  /** Set by the installer: returns the plugin to `update.last.from` and records the result. */
  rollBack: (update: WatchedUpdate, reason: string) => Promise<void> = async () => undefined;

  constructor(
    /** Where last_update is written; without it (an installer built alone) nothing is recorded. */
    private readonly settings: VersionSettingsStore | undefined,
    readonly windowS: number,
    private readonly log?: HealthWindowLog,
  ) {}

  /** Records `last` (watching) and opens the window; any earlier window of the plugin ends. */
  async watch(update: WatchedUpdate): Promise<void> {
    this.cancel(update.name);
    await this.record(update.name, update.last);
    const timer = setTimeout(() => {
      if (this.open.get(update.name)?.timer !== timer) return;
      this.open.delete(update.name);
      this.track(this.finish(update.name, update.last, { result: 'updated' }));
    }, this.windowS * 1000);
    timer.unref();
    this.open.set(update.name, { update, timer });
  }

  isWatching(name: string): boolean {
    return this.open.has(name);
  }

  /** An explicit operation on the plugin (another update, a rollback, uninstall) ends its window. */
  cancel(name: string): void {
    const open = this.open.get(name);
    if (!open) return;
    clearTimeout(open.timer);
    this.open.delete(name);
  }

  claimDeath(id: string, reason: string): boolean {
    const open = this.open.get(id);
    if (!open) return false;
    this.cancel(id);
    this.track(
      this.rollBack(open.update, `the new version's process died within the health window: ${reason}`).catch((error: unknown) =>
        this.log?.warn({ err: error, plugin: id }, 'automatic rollback failed'),
      ),
    );
    return true;
  }

  /** Writes the plugin's last_update. */
  async record(name: string, last: LastUpdate): Promise<void> {
    await this.settings?.update(name, (current) => ({ ...current, last_update: settled(last) }));
  }

  /** Ends `last` with `change` unless a later update replaced it meanwhile. */
  async finish(name: string, last: LastUpdate, change: Partial<LastUpdate>): Promise<void> {
    await this.settings?.update(name, (current) =>
      current.last_update?.at === last.at && current.last_update.to === last.to
        ? { ...current, last_update: settled({ ...current.last_update, ...change }) }
        : current,
    );
  }

  /**
   * At start no window is open: the process that watched is gone. A plugin still at the new
   * version ran it until the stop, so the update counts as done; one found at the old version was
   * rolled back before the stop could record it.
   */
  async finishInterrupted(installed: ReadonlyArray<{ id: string; version: string }>): Promise<void> {
    if (!this.settings) return;
    for (const plugin of installed) {
      const last = (await this.settings.get(plugin.id)).last_update;
      if (last?.result !== 'watching') continue;
      const rolledBack = plugin.version === last.from && plugin.version !== last.to;
      await this.finish(
        plugin.id,
        last,
        rolledBack ? { result: 'rolled_back', reason: 'the backend stopped during the health window' } : { result: 'updated' },
      );
    }
  }

  /** Shutdown: no timer outlives the app, and a rollback under way ends first. */
  async close(): Promise<void> {
    for (const { timer } of this.open.values()) clearTimeout(timer);
    this.open.clear();
    await Promise.all(this.running);
  }

  /** Waits for the automatic rollbacks and window ends under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.log?.warn({ err: error }, 'health window bookkeeping failed'))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }
}

/** A window's end time means something only while watching. */
function settled(last: LastUpdate): LastUpdate {
  if (last.result === 'watching') return last;
  const copy = { ...last };
  delete copy.watch_until;
  return copy;
}
