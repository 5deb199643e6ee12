import { mkdir } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { createError, isValidPluginName, type PluginDetails, type PluginSummary } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { CrashRestarts, type UpdateDeathPort } from './crash-restarts.js';
import { EventBus } from './event-bus.js';
import { applyFilesState, checkFilesAtStart } from './files-state.js';
import { HostLifecycle } from './host-lifecycle.js';
import type { PluginHost } from './host.js';
import type { InstalledSnapshot } from './installed-view.js';
import { PluginLogFeed } from './log-feed.js';
import { ManagerContext } from './manager-context.js';
import { dependenciesToLoad, dependentsIndex } from './plugin-dependencies.js';
import { PluginDiscovery } from './plugin-discovery.js';
import { declaredGrant, type GrantSource } from './plugin-grant.js';
import { pageSourceOf, type PageSource } from './plugin-pages.js';
import { apiPrefixOfRecord, runsPageHandler, toDetails, toSummary, type PluginRecord } from './record.js';
import { markInterruptedRestore, restoreActive, takeInterruptedRestore } from './restore.js';
import type { SignatureGate } from './signature-gate.js';
import { canTransition, refusalReason, stateAfter, type Operation } from './state-machine.js';

/** What the backend wires into the manager besides its config; each field optional, with a default. */
export interface PluginManagerOptions {
  /** The permissions and env values each plugin's process starts with; default: what it declares. */
  grantsFor?: GrantSource;
  /** Signature states and the file check before each start (src/trust/); default: none. */
  signatures?: SignatureGate;
}

/**
 * Owns the lifecycle of every plugin: discovery, the state machine, one host per active plugin,
 * restarts after crashes, and the persisted states. Routes and the store integration call only
 * this; the parts live beside it (host-lifecycle, crash-restarts, restore, plugin-discovery).
 */
export class PluginManager {
  private readonly context: ManagerContext;
  private readonly events = new EventBus(() => this.activeRecords());
  private readonly lifecycle: HostLifecycle;
  private readonly restarts: CrashRestarts;
  private readonly discovery: PluginDiscovery;
  /** Every plugin's accepted log lines, for listeners of one plugin (the dev plugins' log stream). */
  readonly logFeed = new PluginLogFeed();
  /** The ports the backend bound (app.ts sets them once listening); plugin processes may not reach them. */
  listenPorts: number[] = [];

  private readonly signatures?: SignatureGate;

  constructor(config: BackendConfig, log: FastifyBaseLogger, options: PluginManagerOptions = {}) {
    this.context = new ManagerContext(config, log);
    this.signatures = options.signatures;
    this.lifecycle = new HostLifecycle(this.context, {
      grantsFor: options.grantsFor ?? declaredGrant,
      onEmit: (topic, data, source) => this.events.publish(topic, data, source),
      onLog: (id, level, message) => this.logFeed.publish(id, level, message),
      onDeath: (record, host, reason) => void this.restarts.hostDied(record, host, reason),
      ownPorts: () => this.listenPorts,
      signatures: options.signatures,
    });
    this.restarts = new CrashRestarts(this.context, this.lifecycle);
    this.discovery = new PluginDiscovery(this.context, {
      stop: (record) => this.lifecycle.stop(record),
      forget: (id) => this.restarts.forget(id),
    });
  }

  /** Reads the persisted states and scans the plugin folders (restore.ts: why one may be left in error). */
  async init(): Promise<void> {
    const { config } = this.context;
    await mkdir(config.pluginsDir, { recursive: true });
    await mkdir(config.dataDir, { recursive: true });
    await this.context.readPersisted();
    const interrupted = await takeInterruptedRestore(this.context);
    await this.rescan();
    if (this.signatures) await checkFilesAtStart(this.context, this.signatures);
    markInterruptedRestore(this.context, interrupted);
    this.restarts.keepQuarantined();
    this.discovery.watch();
  }

  /** Loads again every plugin that was active before the restart; failures end in state error. */
  restore(): Promise<void> {
    // Not load(): a restore is no user acting, so a plugin that crashed lately keeps its count.
    return restoreActive(this.context, (id) => this.operate(id, 'load', (record) => this.lifecycle.start(record, 'load'), false));
  }

  /**
   * Re-reads the plugin folders: new folders appear, removed ones go (their host is stopped).
   * The answer reflects the disk as it was at the call (concurrent callers share scans).
   */
  rescan(): Promise<void> {
    return this.discovery.rescan();
  }

  /**
   * Re-reads the folder of plugin `id` alone and answers its summary (undefined: no such folder),
   * for an operation that changed only that folder (install, update, uninstall): the other
   * plugins are not stat'ed again. Same rules as a rescan.
   */
  async discover(id: string): Promise<PluginSummary | undefined> {
    if (!isValidPluginName(id)) return undefined;
    await this.discovery.discover(id);
    return this.peek(id);
  }

  async list(): Promise<PluginSummary[]> {
    await this.rescan();
    await this.withSignatures([...this.context.records.values()]);
    const dependents = dependentsIndex(this.context.records.values());
    return [...this.context.records.values()]
      .map((record) => toSummary(record, dependents.get(record.scan.id)))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * The installed plugins as the store's list marks them, without a scan per call (installed-view.ts):
   * installs, uninstalls and operations read the folders they change, the folder watch catches hand copies, and
   * a view older than a second starts a rescan whose result the next caller sees (plugin-discovery.ts).
   */
  installedView(): InstalledSnapshot {
    return this.discovery.installedView();
  }

  /** The summary of one plugin as the manager knows it now, without a scan (the dev plugins' state watch). */
  peek(id: string): PluginSummary | undefined {
    const record = this.context.records.get(id);
    return record && toSummary(record);
  }

  /** Every plugin's summary as the manager knows it now, without a scan or a signature check. */
  summaries(): PluginSummary[] {
    return [...this.context.records.values()].map((record) => toSummary(record));
  }

  /** Details of one plugin, or undefined when there is no such folder (or the id is not valid). */
  async get(id: string): Promise<PluginDetails | undefined> {
    if (!isValidPluginName(id)) return undefined;
    await this.rescan();
    const record = this.context.records.get(id);
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
    return this.context.locks.run(id, fn);
  }

  /** Loads the installed dependencies that are not running first (their failure is named by this one's refusal). */
  load(id: string, chain: readonly string[] = []): Promise<PluginDetails> {
    return this.operate(id, 'load', (record) => this.loadWithDependencies(record, chain));
  }

  unload(id: string): Promise<PluginDetails> {
    return this.operate(id, 'unload', async (record) => {
      await this.lifecycle.stop(record);
      record.state = stateAfter(record.state, 'unload');
      this.context.persisted.active.delete(id);
      await this.context.save();
    });
  }

  /** Stops the running code (if any) and loads the code as it is now on disk. */
  reload(id: string): Promise<PluginDetails> {
    return this.operate(id, 'reload', async (record) => {
      await this.lifecycle.stop(record);
      await this.lifecycle.start(record, 'reload');
    });
  }

  /**
   * Puts the plugin back in the state it had before Disable: loaded again (its dependencies first,
   * as Load does) when it was active or waiting to restart, else discovered. A load that fails
   * leaves it in error and answers PLUGIN_LOAD_FAILED, as Load does.
   */
  enable(id: string): Promise<PluginDetails> {
    return this.operate(id, 'enable', async (record) => {
      const { persisted } = this.context;
      record.state = stateAfter(record.state, 'enable');
      applyFilesState(record);
      persisted.disabled.delete(id);
      const resume = persisted.resumeOnEnable.delete(id);
      await this.context.save();
      // Files found invalid meanwhile leave it in error: there is nothing to load.
      if (resume && canTransition(record.state, 'load')) await this.loadWithDependencies(record, []);
    });
  }

  disable(id: string): Promise<PluginDetails> {
    return this.operate(id, 'disable', async (record) => {
      const wasRunning = record.state === 'active' || record.state === 'loading';
      await this.lifecycle.stop(record);
      record.state = stateAfter(record.state, 'disable');
      record.error = undefined;
      const { persisted } = this.context;
      persisted.disabled.add(id);
      persisted.active.delete(id);
      if (wasRunning) persisted.resumeOnEnable.add(id);
      else persisted.resumeOnEnable.delete(id);
      await this.context.save();
    });
  }

  /** The health gate of updates claims deaths inside an update's window (crash-restarts.ts). */
  watchUpdateDeaths(port: UpdateDeathPort): void {
    this.restarts.updateDeaths = port;
  }

  /** Active plugins with their hosts, for the gateway (routes, actions, events). */
  activeRecords(): PluginRecord[] {
    return this.context.activeRecords();
  }

  findActiveByPrefix(prefix: string): PluginRecord | undefined {
    return this.activeRecords().find((record) => apiPrefixOfRecord(record) === prefix);
  }

  /** A host that stopped answering (e.g. a handler looping forever) is ended, which is a death like a crash. */
  async killUnresponsive(host: PluginHost, reason: string): Promise<void> {
    const record = this.activeRecords().find((r) => r.host === host);
    await host.kill();
    if (record) await this.restarts.hostDied(record, host, reason);
  }

  /** Stops every host without touching the persisted sets, so a restart restores them. */
  async shutdown(): Promise<void> {
    const { context } = this;
    context.shuttingDown = true;
    this.discovery.close();
    await this.restarts.shutdown();
    // A stop asked for is no crash: the plugin being restored is restored again next time.
    if (context.persisted.restoring !== undefined) {
      context.persisted.restoring = undefined;
      await context.save();
    }
    await Promise.all(this.activeRecords().map((record) => record.host!.stop(context.teardownTimeoutMs())));
    // A restart or a crash may have just saved: its file is complete before the caller goes on.
    await context.saved();
  }

  private async withSignatures(records: PluginRecord[]): Promise<void> {
    if (!this.signatures) return;
    for (const record of records) record.signature = await this.signatures.signatureOf(record.scan);
  }

  private async details(record: PluginRecord): Promise<PluginDetails> {
    await this.withSignatures([record]);
    const dependents = dependentsIndex(this.context.records.values()).get(record.scan.id);
    return toDetails(record, await pageSourceOf(record.scan, runsPageHandler(record)), dependents);
  }

  private require(id: string): PluginRecord {
    if (!isValidPluginName(id)) throw createError('INVALID_PLUGIN_ID', `'${id}' is not a valid plugin id`);
    const record = this.context.records.get(id);
    if (!record) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the plugins folder`);
    return record;
  }

  /**
   * Runs a user's `operation` on plugin `id` under its lock. A user acting on the plugin cancels a
   * restart waiting after a crash and clears its crash count and quarantine (`byUser` false: the
   * restore after a restart of the backend, which keeps them).
   */
  private operate(id: string, operation: Operation, apply: (record: PluginRecord) => Promise<void>, byUser = true): Promise<PluginDetails> {
    if (!isValidPluginName(id)) return Promise.reject(createError('INVALID_PLUGIN_ID', `'${id}' is not a valid plugin id`));
    return this.context.locks.run(id, async () => {
      await this.rescan();
      const record = this.require(id);
      // `loading` seen here is a restart waiting for its backoff; anything else loading is refused.
      const loadInProgress = record.state === 'loading' && !this.restarts.isWaiting(id);
      if (loadInProgress || !canTransition(record.state, operation)) {
        throw createError('ILLEGAL_TRANSITION', refusalReason(id, record.state, operation));
      }
      if (byUser) this.restarts.forget(id);
      else this.restarts.cancel(id);
      record.statusReason = undefined;
      await apply(record);
      return this.details(record);
    });
  }

  /** Under `record`'s lock: its installed dependencies that are not running first (failures named by its own refusal), then it. */
  private async loadWithDependencies(record: PluginRecord, chain: readonly string[]): Promise<void> {
    const id = record.scan.id;
    for (const name of dependenciesToLoad(record, this.context.records, [...chain, id]))
      await this.load(name, [...chain, id]).catch(() => undefined);
    await this.lifecycle.start(record, 'load');
  }
}
