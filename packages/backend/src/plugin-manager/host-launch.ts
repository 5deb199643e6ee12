import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { formatIssues } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { PluginHost } from './host.js';
import { startProblem } from './plugin-dependencies.js';
import type { GrantSource } from './plugin-grant.js';
import { pathNamesOf, type PluginRecord } from './record.js';
import { planLaunch } from './sandbox/launch-plan.js';
import { mainFileOf, type ScannedPlugin } from './scanner.js';

/** Where a development plugin's data folder lives, inside OKO_DEV_PLUGINS_DIR (hidden from the scan by its dot). */
export const DEV_DATA_FOLDER = '.data';

/**
 * A plugin's own data folder: OKO_DATA_DIR/plugins/<id>, kept across uninstalls; a development
 * plugin's is OKO_DEV_PLUGINS_DIR/.data/<id>, removed with the plugin when its session ends.
 */
export function dataDirOf(scan: Pick<ScannedPlugin, 'id' | 'scope'>, config: Pick<BackendConfig, 'dataDir' | 'devPluginsDir'>): string {
  return scan.scope === 'dev' ? path.join(config.devPluginsDir, DEV_DATA_FOLDER, scan.id) : path.join(config.dataDir, 'plugins', scan.id);
}

export interface LaunchContext {
  config: BackendConfig;
  log: FastifyBaseLogger;
  /** The plugins running now; asked again after setup, since others may have started meanwhile. */
  activeRecords: () => PluginRecord[];
  /** Every plugin found in the folders, running or not. */
  allRecords: () => PluginRecord[];
  onEmit: (topic: string, data: unknown) => void;
  /** Each log line of the plugin the backend accepts (PluginLogFeed). */
  onLog?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** The permissions and env values the plugin's process starts with. */
  grantsFor: GrantSource;
  /** The ports the backend listens on (OKO_PORT may be 0); no plugin may connect to them. */
  ownPorts?: () => number[];
}

/**
 * Starts the code of `record` in a host of its own, or throws an Error whose message says, in
 * words for the user, why it cannot run: invalid files, a missing entry file, or an API prefix
 * or action another active plugin already has. The caller owns the state and what is saved.
 */
export async function launchHost(record: PluginRecord, context: LaunchContext): Promise<PluginHost> {
  const { scan } = record;
  const { config } = context;
  if (!scan.manifest) throw new Error(formatIssues(scan.issues));
  // An engine that does not fit, or a dependency missing, refused by its range or not running (copied in by hand, say).
  const unmet = startProblem(record, context.allRecords());
  if (unmet) throw new Error(unmet);
  const main = mainFileOf(scan);
  const entry = await stat(main).catch(() => null);
  if (!entry?.isFile()) throw new Error(`entry file ${path.relative(scan.dir, main)} not found`);
  const conflict = prefixConflict(record, context.allRecords());
  if (conflict) throw new Error(conflict);
  const dataDir = dataDirOf(scan, config);
  const grant = await context.grantsFor(record);
  const listening = context.ownPorts?.() ?? [];
  const ownPorts = listening.length > 0 ? listening : [config.port];
  const plan = await planLaunch({ id: scan.id, pluginDir: scan.dir, mainFile: main, dataDir, grant, ownPorts }, config);
  const host = await PluginHost.start({
    start: {
      type: 'start',
      data: {
        pluginId: scan.id,
        mainUrl: pathToFileURL(main).href,
        // Both forms: the module loader names files by their real path in stack traces.
        pluginRoots: [...new Set([scan.dir, await realpath(scan.dir)])].map((dir) => pathToFileURL(dir + path.sep).href),
        manifest: scan.manifest,
        ui: scan.ui,
        dataDir,
      },
      policy: plan.policy,
    },
    spawn: plan.spawn,
    memoryMb: config.pluginMemoryMb,
    rssLimitMb: config.pluginRssLimitMb,
    memoryCheckMs: config.pluginMemoryCheckMs,
    loadTimeoutMs: config.pluginLoadTimeoutMs,
    log: context.log,
    onEmit: context.onEmit,
    onLog: context.onLog,
  });
  // Actions are known only once setup(ctx) registered them, so this check comes after the start.
  const taken = actionConflict(record, host, context.activeRecords());
  if (taken) {
    await host.kill();
    throw new Error(taken);
  }
  return host;
}

/**
 * A plugin's name and prefixes are its own even while the other plugin is not running: otherwise
 * a plugin declaring another's prefix takes over its routes (and its pages' API) whenever that
 * one is stopped. Both sides of a clash are refused; an admin removes one of them.
 */
function prefixConflict(record: PluginRecord, installed: PluginRecord[]): string | undefined {
  const mine = pathNamesOf(record);
  for (const other of installed) {
    if (other === record) continue;
    const shared = [...pathNamesOf(other)].find((name) => mine.has(name));
    if (shared) return `api prefix or name '${shared}' is also used by installed plugin '${other.scan.id}'; remove one of them`;
  }
  return undefined;
}

function actionConflict(record: PluginRecord, host: PluginHost, active: PluginRecord[]): string | undefined {
  for (const other of active) {
    if (other === record) continue;
    const taken = [...host.actions].find((type) => other.host!.actions.has(type));
    if (taken) return `action '${taken}' is already registered by active plugin '${other.scan.id}'`;
  }
  return undefined;
}
