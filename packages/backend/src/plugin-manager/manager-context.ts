import type { FastifyBaseLogger } from 'fastify';
import type { BackendConfig } from '../config.js';
import type { CrashPolicy } from './crash-policy.js';
import { PluginLocks } from './plugin-lock.js';
import type { PluginRecord } from './record.js';
import { emptyStates, PluginStateStore, type PersistedStates } from './state-store.js';

/**
 * What the parts of the plugin manager share: the records, the per-plugin locks and the persisted
 * sets. One object, so the host lifecycle, the crash restarts, the restore and the scans all read
 * and change the same state, and only PluginManager is seen from outside.
 */
export class ManagerContext {
  readonly records = new Map<string, PluginRecord>();
  readonly locks = new PluginLocks();
  /** plugin-states.json: changed here first, then saved. */
  persisted: PersistedStates = emptyStates();
  shuttingDown = false;
  private readonly store: PluginStateStore;
  private lastSave: Promise<void> = Promise.resolve();

  constructor(
    readonly config: BackendConfig,
    readonly log: FastifyBaseLogger,
  ) {
    this.store = new PluginStateStore(config.dataDir, log);
  }

  async readPersisted(): Promise<void> {
    this.persisted = await this.store.read();
  }

  save(): Promise<void> {
    this.lastSave = this.store
      .save(this.persisted)
      .catch((error: Error) => this.log.error({ err: error }, 'could not persist plugin states'));
    return this.lastSave;
  }

  /** Resolves once every save asked for so far is on disk (writes are serialised, so the last one is enough). */
  saved(): Promise<void> {
    return this.lastSave;
  }

  /** Active plugins with their hosts. */
  activeRecords(): PluginRecord[] {
    return [...this.records.values()].filter((record) => record.state === 'active' && record.host);
  }

  teardownTimeoutMs(): number {
    return Math.min(this.config.pluginLoadTimeoutMs, 5000);
  }

  crashPolicy(): CrashPolicy {
    const { pluginRestartBackoffMs, pluginQuarantineWindowS, pluginQuarantineCrashes } = this.config;
    return { backoffMs: pluginRestartBackoffMs, windowS: pluginQuarantineWindowS, limit: pluginQuarantineCrashes };
  }
}
