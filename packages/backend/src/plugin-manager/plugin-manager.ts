import { mkdir } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { createError, isValidPluginName, type PluginDetails, type PluginSummary } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { EventBus } from './event-bus.js';
import { applyFilesState } from './files-state.js';
import { launchHost } from './host-launch.js';
import { declaredGrant } from './plugin-grant.js';
import type { PluginHost } from './host.js';
import { PluginLocks } from './plugin-lock.js';
import { pageSourceOf, type PageSource } from './plugin-pages.js';
import { apiPrefixOfRecord, runsPageHandler, toDetails, toSummary, type PluginRecord } from './record.js';
import { ScanCoalescer } from './scan-coalescer.js';
import { PluginScanner } from './scanner.js';
import { canTransition, initialState, refusalReason, stateAfter, type Operation } from './state-machine.js';
import { PluginStateStore, type PersistedStates } from './state-store.js';

/**
 * Owns the lifecycle of every plugin: discovery, the state machine, one host per active plugin,
 * and the persisted disabled/active sets. Routes and the store integration call only this.
 */
export class PluginManager {
  private readonly events = new EventBus(() => this.activeRecords());
  private readonly records = new Map<string, PluginRecord>();
  private readonly locks = new PluginLocks();
  /** plugin-states.json; `persisted` is what it holds, changed here first and then saved. */
  private readonly savedStates: PluginStateStore;
  private persisted: PersistedStates = { disabled: new Set(), active: new Set() };
  private readonly scanner = new PluginScanner();
  private readonly scans = new ScanCoalescer((held) => this.applyScan(held));
  private shuttingDown = false;
  listenPorts: number[] = []; // the ports bound (app.ts); plugin processes may not reach them

  constructor(
    private readonly config: BackendConfig,
    private readonly log: FastifyBaseLogger,
    private readonly options: { grantsFor?: typeof declaredGrant } = {},
  ) {
    this.savedStates = new PluginStateStore(config.dataDir, log);
  }

  /**
   * Reads the persisted states and scans the plugin folders. A plugin whose restore the backend
   * did not survive last time is left in error instead of being loaded again (and again).
   */
  async init(): Promise<void> {
    await mkdir(this.config.pluginsDir, { recursive: true });
    await mkdir(this.config.dataDir, { recursive: true });
    this.persisted = await this.savedStates.read();
    const interrupted = this.persisted.restoring;
    if (interrupted !== undefined) {
      this.persisted.active.delete(interrupted);
      this.persisted.restoring = undefined;
      await this.save();
    }
    await this.rescan();
    const record = interrupted === undefined ? undefined : this.records.get(interrupted);
    if (record && canTransition(record.state, 'restoreInterrupted')) {
      record.state = stateAfter(record.state, 'restoreInterrupted');
      const reason =
        'the backend stopped while loading this plugin again after a restart, so it was not loaded automatically; load it by hand';
      record.error = { reason, at: new Date().toISOString(), fromManifest: false };
      this.log.error({ plugin: interrupted }, `plugin not restored: ${reason}`);
    }
  }

  /**
   * Loads again every plugin that was active before the restart; failures end in state error.
   * One at a time, each named in the state file while it loads: if its setup takes the whole
   * backend down, the next start knows which plugin to leave out (see init).
   */
  async restore(): Promise<void> {
    for (const id of [...this.persisted.active].sort()) {
      if (this.shuttingDown) return;
      if (this.records.get(id)?.state !== 'discovered') continue;
      this.persisted.restoring = id;
      await this.save();
      await this.load(id).catch((error: Error) => this.log.warn({ plugin: id }, `not restored: ${error.message}`));
    }
    if (this.persisted.restoring === undefined || this.shuttingDown) return;
    this.persisted.restoring = undefined;
    await this.save();
  }

  /**
   * Re-reads the plugin folders: new folders appear, removed ones go (their host is stopped).
   * The answer reflects the disk as it was at the call (concurrent callers share scans).
   */
  rescan(): Promise<void> {
    return this.scans.request(this.locks.heldIds());
  }

  async list(): Promise<PluginSummary[]> {
    await this.rescan();
    return [...this.records.values()].map(toSummary).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Details of one plugin, or undefined when there is no such folder (or the id is not valid). */
  async get(id: string): Promise<PluginDetails | undefined> {
    if (!isValidPluginName(id)) return undefined;
    await this.rescan();
    const record = this.records.get(id);
    return record && this.details(record);
  }

  /** What GET /plugins/{id}/page serves now; throws PLUGIN_NOT_FOUND for an unknown plugin. */
  async pageSource(id: string): Promise<PageSource> {
    await this.rescan();
    const record = this.require(id);
    return pageSourceOf(record.scan, runsPageHandler(record));
  }

  /** The folder of a known plugin; throws PLUGIN_NOT_FOUND otherwise. */
  async pluginFolder(id: string): Promise<PluginRecord['scan']> {
    await this.rescan();
    return this.require(id).scan;
  }

  /** Runs `fn` as the only operation on plugin `id`; re-entrant, so `fn` may call unload(id). */
  withPluginLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(id, fn);
  }

  load(id: string): Promise<PluginDetails> {
    return this.operate(id, 'load', (record) => this.startHost(record, 'load'));
  }

  unload(id: string): Promise<PluginDetails> {
    return this.operate(id, 'unload', async (record) => {
      await this.stopHost(record);
      record.state = stateAfter(record.state, 'unload');
      this.persisted.active.delete(id);
      await this.save();
    });
  }

  /** Stops the running code (if any) and loads the code as it is now on disk. */
  reload(id: string): Promise<PluginDetails> {
    return this.operate(id, 'reload', async (record) => {
      await this.stopHost(record);
      await this.startHost(record, 'reload');
    });
  }

  enable(id: string): Promise<PluginDetails> {
    return this.operate(id, 'enable', async (record) => {
      record.state = stateAfter(record.state, 'enable');
      applyFilesState(record);
      this.persisted.disabled.delete(id);
      await this.save();
    });
  }

  disable(id: string): Promise<PluginDetails> {
    return this.operate(id, 'disable', async (record) => {
      await this.stopHost(record);
      record.state = stateAfter(record.state, 'disable');
      record.error = undefined;
      this.persisted.disabled.add(id);
      this.persisted.active.delete(id);
      await this.save();
    });
  }

  /** Active plugins with their hosts, for the gateway (routes, actions, events). */
  activeRecords(): PluginRecord[] {
    return [...this.records.values()].filter((record) => record.state === 'active' && record.host);
  }

  findActiveByPrefix(prefix: string): PluginRecord | undefined {
    return this.activeRecords().find((record) => apiPrefixOfRecord(record) === prefix);
  }

  /** A host that stopped answering (e.g. a handler looping forever): end it, the plugin goes to error. */
  async killUnresponsive(host: PluginHost, reason: string): Promise<void> {
    const record = this.activeRecords().find((r) => r.host === host);
    await host.kill();
    if (record) await this.markCrashed(record, host, reason);
  }

  /** Stops every host without touching the persisted sets, so a restart restores them. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    // A stop asked for is no crash: the plugin being restored is restored again next time.
    if (this.persisted.restoring !== undefined) {
      this.persisted.restoring = undefined;
      await this.save();
    }
    await Promise.all(this.activeRecords().map((record) => record.host!.stop(this.teardownTimeoutMs())));
  }

  private async details(record: PluginRecord): Promise<PluginDetails> {
    return toDetails(record, await pageSourceOf(record.scan, runsPageHandler(record)));
  }

  private teardownTimeoutMs(): number {
    return Math.min(this.config.pluginLoadTimeoutMs, 5000);
  }

  private require(id: string): PluginRecord {
    if (!isValidPluginName(id)) throw createError('INVALID_PLUGIN_ID', `'${id}' is not a valid plugin id`);
    const record = this.records.get(id);
    if (!record) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the plugins folder`);
    return record;
  }

  private operate(id: string, operation: Operation, apply: (record: PluginRecord) => Promise<void>): Promise<PluginDetails> {
    if (!isValidPluginName(id)) return Promise.reject(createError('INVALID_PLUGIN_ID', `'${id}' is not a valid plugin id`));
    return this.locks.run(id, async () => {
      await this.rescan();
      const record = this.require(id);
      if (!canTransition(record.state, operation)) throw createError('ILLEGAL_TRANSITION', refusalReason(id, record.state, operation));
      await apply(record);
      return this.details(record);
    });
  }

  /** `operation` (load or reload) was allowed by operate(); the host's outcome moves the state on. */
  private async startHost(record: PluginRecord, operation: 'load' | 'reload'): Promise<void> {
    const { scan } = record;
    record.state = stateAfter(record.state, operation);
    record.error = undefined;
    try {
      const host = await launchHost(record, {
        config: this.config,
        log: this.log,
        activeRecords: () => this.activeRecords(),
        allRecords: () => [...this.records.values()],
        onEmit: (topic, data) => this.events.publish(topic, data, scan.id),
        grantsFor: this.options.grantsFor ?? declaredGrant,
        ownPorts: () => this.listenPorts,
      });
      host.onCrash = (reason) => void this.markCrashed(record, host, reason);
      record.host = host;
      record.state = stateAfter(record.state, 'loaded');
      record.loadedAt = new Date().toISOString();
      this.persisted.active.add(scan.id);
      await this.save();
      this.log.info({ plugin: scan.id }, 'plugin loaded');
    } catch (error) {
      const reason = (error as Error).message;
      record.state = stateAfter(record.state, 'failed');
      record.error = { reason, at: new Date().toISOString(), fromManifest: !scan.manifest };
      this.persisted.active.delete(scan.id);
      await this.save();
      this.log.warn({ plugin: scan.id }, `plugin failed to load: ${reason}`);
      throw createError('PLUGIN_LOAD_FAILED', `Plugin '${scan.id}' failed to load: ${reason}`, { details: { state: record.state } });
    }
  }

  private async stopHost(record: PluginRecord): Promise<void> {
    const host = record.host;
    record.host = undefined;
    record.loadedAt = undefined;
    if (host) await host.stop(this.teardownTimeoutMs());
  }

  /**
   * A host the record no longer runs (an unload, reload or disable is stopping it) is not the
   * plugin crashing: that operation decides the state, so the report is dropped.
   */
  private async markCrashed(record: PluginRecord, host: PluginHost, reason: string): Promise<void> {
    if (this.shuttingDown || record.host !== host || !canTransition(record.state, 'crashed')) return;
    record.host = undefined;
    record.state = stateAfter(record.state, 'crashed');
    record.error = { reason, at: new Date().toISOString(), fromManifest: false };
    this.persisted.active.delete(record.scan.id);
    this.log.error({ plugin: record.scan.id }, `plugin stopped: ${reason}`);
    await this.save();
  }

  /** A plugin whose lock someone other than the waiting callers holds is left as it is. */
  private async applyScan(held: ReadonlySet<string>): Promise<void> {
    const found = await this.scanner.scan(this.config.pluginsDir, this.config.builtinPluginsDir);
    for (const [id, record] of this.records) {
      if (found.has(id) || (this.locks.isBusy(id) && !held.has(id))) continue;
      await this.stopHost(record);
      this.records.delete(id);
      const wasActive = this.persisted.active.delete(id);
      const wasDisabled = this.persisted.disabled.delete(id);
      if (wasActive || wasDisabled) await this.save();
      this.log.info({ plugin: id }, 'plugin folder removed');
    }
    for (const [id, scan] of found) {
      const record = this.records.get(id);
      if (!record) {
        const fresh: PluginRecord = { scan, state: initialState(this.persisted.disabled.has(id)) };
        applyFilesState(fresh);
        this.records.set(id, fresh);
        continue;
      }
      // Running code keeps the manifest it was loaded with until it is unloaded or reloaded.
      if (record.state === 'active' || record.state === 'loading') continue;
      if (this.locks.isBusy(id) && !held.has(id)) continue;
      record.scan = scan;
      applyFilesState(record);
    }
  }

  private save(): Promise<void> {
    return this.savedStates.save(this.persisted).catch((error: Error) => this.log.error({ err: error }, 'could not persist plugin states'));
  }
}
