import { createError, isOkoError, type ErrorCode } from '@oko/shared';
import { launchHost } from './host-launch.js';
import type { PluginHost } from './host.js';
import type { ManagerContext } from './manager-context.js';
import type { GrantSource } from './plugin-grant.js';
import type { PluginRecord } from './record.js';
import type { SignatureGate } from './signature-gate.js';
import { stateAfter } from './state-machine.js';

export interface LifecycleHooks {
  /** The permissions and env values a plugin's process starts with. */
  grantsFor: GrantSource;
  onEmit: (topic: string, data: unknown, source: string) => void;
  /** Each log line of a plugin the backend accepts. */
  onLog?: (id: string, level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** The host died on its own while it ran the plugin (crash-restarts.ts decides what follows). */
  onDeath: (record: PluginRecord, host: PluginHost, reason: string) => void;
  /** The ports the backend listens on, which no plugin process may reach. */
  ownPorts: () => number[];
  /** Checks the plugin's files and signature before its process starts; none: no check (unit tests). */
  signatures?: SignatureGate;
}

/** Refusals the user acts on by their own code (trust a key, reinstall), not as a generic load failure. */
const KEPT_CODES: ReadonlySet<ErrorCode> = new Set(['SIGNATURE_REQUIRED', 'INVALID_SIGNATURE']);

/** Starting and stopping a plugin's host, and the state and saved sets that follow from it. */
export class HostLifecycle {
  constructor(
    private readonly context: ManagerContext,
    private readonly hooks: LifecycleHooks,
  ) {}

  /** Starts the plugin's code in a host of its own; throws with the reason. The caller owns the state. */
  async launch(record: PluginRecord): Promise<PluginHost> {
    const { context, hooks } = this;
    const id = record.scan.id;
    // Before any code of the plugin runs: every load, restore and crash restart hashes the files again.
    if (hooks.signatures) {
      const { signature, refusal } = await hooks.signatures.check(record.scan);
      record.signature = signature;
      if (refusal) throw refusal;
    }
    const host = await launchHost(record, {
      config: context.config,
      log: context.log,
      activeRecords: () => context.activeRecords(),
      allRecords: () => [...context.records.values()],
      onEmit: (topic, data) => hooks.onEmit(topic, data, id),
      onLog: (level, message) => hooks.onLog?.(id, level, message),
      grantsFor: hooks.grantsFor,
      ownPorts: hooks.ownPorts,
    });
    host.onCrash = (reason) => hooks.onDeath(record, host, reason);
    return host;
  }

  /** `host` runs the plugin now: it is active, and a restart of the backend loads it again. */
  async activate(record: PluginRecord, host: PluginHost): Promise<void> {
    record.host = host;
    record.state = stateAfter(record.state, 'loaded');
    record.loadedAt = new Date().toISOString();
    record.statusReason = undefined;
    this.context.persisted.active.add(record.scan.id);
    await this.context.save();
  }

  /** A user's `operation` (load or reload, allowed by the caller); a failure ends in state error and throws. */
  async start(record: PluginRecord, operation: 'load' | 'reload'): Promise<void> {
    const { scan } = record;
    record.state = stateAfter(record.state, operation);
    record.error = undefined;
    let host: PluginHost;
    try {
      host = await this.launch(record);
    } catch (error) {
      const reason = (error as Error).message;
      record.state = stateAfter(record.state, 'failed');
      record.error = { reason, at: new Date().toISOString(), fromManifest: !scan.manifest };
      this.context.persisted.active.delete(scan.id);
      await this.context.save();
      this.context.log.warn({ plugin: scan.id }, `plugin failed to load: ${reason}`);
      const code = isOkoError(error) && KEPT_CODES.has(error.code) ? error.code : 'PLUGIN_LOAD_FAILED';
      throw createError(code, `Plugin '${scan.id}' failed to load: ${reason}`, {
        details: { state: record.state, ...(record.signature ? { signature: record.signature } : {}) },
      });
    }
    await this.activate(record, host);
    this.context.log.info({ plugin: scan.id }, 'plugin loaded');
  }

  /** Ends the plugin's host, if it has one; the caller sets the state that follows. */
  async stop(record: PluginRecord): Promise<void> {
    const host = record.host;
    record.host = undefined;
    record.loadedAt = undefined;
    if (host) await host.stop(this.context.teardownTimeoutMs());
  }
}
