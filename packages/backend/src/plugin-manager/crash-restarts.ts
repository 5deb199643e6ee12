import { crashOutcome, recentDeaths } from './crash-policy.js';
import type { PluginHost } from './host.js';
import type { HostLifecycle } from './host-lifecycle.js';
import type { ManagerContext } from './manager-context.js';
import type { PluginRecord } from './record.js';
import { canTransition, stateAfter } from './state-machine.js';

/**
 * The versions' health gate (versions/updates/health-windows.ts): a death inside an update's
 * window is claimed there (true) and rolls the update back instead of counting toward a restart.
 */
export interface UpdateDeathPort {
  claimDeath(id: string, reason: string): boolean;
}

/**
 * The crash rule: a plugin whose process dies while active (whatever the host is, worker or
 * child process; it reports through onCrash) waits in `loading` and is started again after a
 * backoff; the death that reaches the limit within the window quarantines it in `error`. A
 * restart that fails counts as a death. Any user operation on the plugin cancels a waiting
 * restart and starts the count again (PluginManager calls forget()).
 */
export class CrashRestarts {
  /** The timer of each restart that waits for its backoff. */
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  /** Restarts whose timer fired, until they end; a shutdown waits for them so no host outlives it. */
  private readonly running = new Set<Promise<void>>();
  /** Set once the store integration has its health gate. */
  updateDeaths?: UpdateDeathPort;

  constructor(
    private readonly context: ManagerContext,
    private readonly lifecycle: HostLifecycle,
  ) {}

  /** A restart of `id` waits for its backoff: the plugin's `loading` is no load in progress. */
  isWaiting(id: string): boolean {
    return this.waiting.has(id);
  }

  /**
   * `host` died on its own, or the backend ended it for not answering. A host the record no
   * longer runs (an unload, reload or disable is stopping it) is not the plugin crashing: that
   * operation decides the state, so the report is dropped.
   */
  async hostDied(record: PluginRecord, host: PluginHost, reason: string): Promise<void> {
    if (this.context.shuttingDown || record.host !== host || record.state !== 'active') return;
    record.host = undefined;
    record.loadedAt = undefined;
    await this.died(record, reason);
  }

  /**
   * A user acted on `id` (or its folder is gone): no restart waits any more, and its crashes and
   * quarantine are forgotten. True when there was something to forget in the state file.
   */
  forget(id: string): boolean {
    this.cancel(id);
    const hadCrashes = this.context.persisted.crashes.delete(id);
    return this.context.persisted.quarantined.delete(id) || hadCrashes;
  }

  cancel(id: string): void {
    clearTimeout(this.waiting.get(id));
    this.waiting.delete(id);
  }

  /**
   * The backend stops: waiting restarts are dropped (the plugins stay in the active set, so the
   * next start loads them) and one already starting is waited for; it stops its host itself.
   */
  async shutdown(): Promise<void> {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    await Promise.all(this.running);
  }

  /** A start found these plugins quarantined in the state file: they stay in error until loaded. */
  keepQuarantined(): void {
    for (const [id, error] of this.context.persisted.quarantined) {
      const record = this.context.records.get(id);
      if (!record || record.state !== 'discovered' || !canTransition(record.state, 'quarantined')) continue;
      record.state = stateAfter(record.state, 'quarantined');
      record.error = { ...error, fromManifest: false };
    }
  }

  /** One death: back off and restart, or quarantine at the limit. */
  private async died(record: PluginRecord, reason: string): Promise<void> {
    const { context } = this;
    const id = record.scan.id;
    const policy = context.crashPolicy();
    const now = Date.now();
    if (this.updateDeaths?.claimDeath(id, reason)) {
      // In error (not quarantined, not counted) until the rollback, waiting for the lock, loads the previous version.
      record.state = stateAfter(record.state, 'quarantined');
      record.statusReason = undefined;
      record.error = {
        reason: `died within the update's health window: ${reason}; rolling back`,
        at: new Date(now).toISOString(),
        fromManifest: false,
      };
      context.log.warn({ plugin: id }, `plugin stopped within the update's health window: ${reason}; rolling the update back`);
      return;
    }
    const deaths = [...recentDeaths(context.persisted.crashes.get(id), now, policy), now];
    const outcome = crashOutcome(deaths.length, policy, reason);
    if (outcome.kind === 'quarantine') {
      record.state = stateAfter(record.state, 'quarantined');
      record.statusReason = undefined;
      record.error = { reason: outcome.reason, at: new Date(now).toISOString(), fromManifest: false };
      context.persisted.active.delete(id);
      context.persisted.crashes.delete(id);
      context.persisted.quarantined.set(id, { reason: record.error.reason, at: record.error.at });
      context.log.error({ plugin: id }, `plugin stopped: ${reason}; ${outcome.reason}`);
    } else {
      record.state = stateAfter(record.state, 'crashed');
      record.statusReason = outcome.status;
      record.error = undefined;
      context.persisted.crashes.set(id, deaths);
      this.schedule(record, outcome.delayMs);
      context.log.warn(
        { plugin: id, restart_in_ms: outcome.delayMs },
        `plugin stopped: ${reason}; ${outcome.status} in ${outcome.delayMs} ms`,
      );
    }
    await context.save();
  }

  private schedule(record: PluginRecord, delayMs: number): void {
    const id = record.scan.id;
    this.cancel(id);
    const timer = setTimeout(() => {
      const restart = this.restart(record, timer).finally(() => this.running.delete(restart));
      this.running.add(restart);
    }, delayMs);
    // A waiting restart never keeps the process alive on its own.
    timer.unref();
    this.waiting.set(id, timer);
  }

  /** Under the plugin's lock, like any operation; one that came first and cancelled this restart wins. */
  private async restart(record: PluginRecord, timer: NodeJS.Timeout): Promise<void> {
    const { context } = this;
    const id = record.scan.id;
    await context.locks
      .run(id, async () => {
        if (this.waiting.get(id) !== timer || context.shuttingDown || context.records.get(id) !== record) return;
        this.waiting.delete(id);
        const status = record.statusReason;
        let host: PluginHost;
        try {
          host = await this.lifecycle.launch(record);
        } catch (error) {
          return this.died(record, `restart failed: ${(error as Error).message}`);
        }
        if (context.shuttingDown) return host.stop(context.teardownTimeoutMs());
        await this.lifecycle.activate(record, host);
        context.log.info({ plugin: id }, `plugin restarted after a crash (${status})`);
      })
      .catch((error: Error) => context.log.error({ plugin: id, err: error }, 'plugin restart failed'));
  }
}
