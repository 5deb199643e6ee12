import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { formatIssues } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { PluginHost } from './host.js';
import { apiPrefixOfRecord, type PluginRecord } from './record.js';
import { mainFileOf } from './scanner.js';

export interface LaunchContext {
  config: BackendConfig;
  log: FastifyBaseLogger;
  /** The plugins running now; asked again after setup, since others may have started meanwhile. */
  activeRecords: () => PluginRecord[];
  onEmit: (topic: string, data: unknown) => void;
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
  const main = mainFileOf(scan);
  const entry = await stat(main).catch(() => null);
  if (!entry?.isFile()) throw new Error(`entry file ${path.relative(scan.dir, main)} not found`);
  const conflict = prefixConflict(record, context.activeRecords());
  if (conflict) throw new Error(conflict);
  const dataDir = path.join(config.dataDir, 'plugins', scan.id);
  await mkdir(dataDir, { recursive: true });
  const host = await PluginHost.start({
    data: { pluginId: scan.id, mainUrl: pathToFileURL(main).href, manifest: scan.manifest, ui: scan.ui, dataDir },
    memoryMb: config.pluginMemoryMb,
    loadTimeoutMs: config.pluginLoadTimeoutMs,
    log: context.log,
    onEmit: context.onEmit,
  });
  // Actions are known only once setup(ctx) registered them, so this check comes after the start.
  const taken = actionConflict(record, host, context.activeRecords());
  if (taken) {
    await host.kill();
    throw new Error(taken);
  }
  return host;
}

function prefixConflict(record: PluginRecord, active: PluginRecord[]): string | undefined {
  const prefix = apiPrefixOfRecord(record);
  const other = active.find((candidate) => apiPrefixOfRecord(candidate) === prefix);
  return other && other !== record ? `api prefix '${prefix}' is already used by active plugin '${other.scan.id}'` : undefined;
}

function actionConflict(record: PluginRecord, host: PluginHost, active: PluginRecord[]): string | undefined {
  for (const other of active) {
    if (other === record) continue;
    const taken = [...host.actions].find((type) => other.host!.actions.has(type));
    if (taken) return `action '${taken}' is already registered by active plugin '${other.scan.id}'`;
  }
  return undefined;
}
