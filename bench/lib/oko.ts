import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startService, type Service, type SpawnOptions } from './services.js';

/** bench/dist/bench/lib → the repository root (bench/dist mirrors the root, so test-support/ compiles beside bench/). */
export const ROOT = path.resolve(import.meta.dirname, '../../../..');
export const STORE_ENTRY = path.join(ROOT, 'packages/store/dist/server.js');
export const BACKEND_ENTRY = path.join(ROOT, 'packages/backend/dist/server.js');
/** Compiled helpers that run in processes of their own. */
export const CHILD_DIR = path.resolve(import.meta.dirname, '../children');

export interface StoreOptions {
  storagePath: string;
  maxPluginSizeMb?: number;
  /** Preload the event-loop-delay probe (children/eld-probe.js), reporting to this file on SIGUSR2. */
  eldFile?: string;
  /** More settings, e.g. OKO_STORE_DATABASE_URL. */
  env?: Record<string, string>;
  name?: string;
}

export async function startStore(logDir: string, options: StoreOptions): Promise<Service> {
  await mkdir(options.storagePath, { recursive: true });
  const spawn: SpawnOptions = {
    name: options.name ?? 'store',
    entry: STORE_ENTRY,
    portEnv: 'OKO_STORE_PORT',
    logDir,
    env: {
      OKO_STORE_HOST: '127.0.0.1',
      OKO_STORE_STORAGE_PATH: options.storagePath,
      OKO_STORE_SEED: 'false',
      OKO_STORE_MAX_PLUGIN_SIZE_MB: String(options.maxPluginSizeMb ?? 100),
      OKO_STORE_API_KEY: '',
      ...options.env,
    },
  };
  if (options.eldFile) {
    spawn.env.BENCH_ELD_FILE = options.eldFile;
    spawn.nodeArgs = ['--import', pathToFileURL(path.join(CHILD_DIR, 'eld-probe.js')).href];
  }
  return startService(spawn);
}

export interface BackendOptions {
  pluginsDir: string;
  dataDir: string;
  storeUrl: string;
  port?: number;
  /** More settings, e.g. OKO_DEV_PLUGINS. */
  env?: Record<string, string>;
}

export function backendSpawnOptions(logDir: string, options: BackendOptions): SpawnOptions {
  const spawn: SpawnOptions = {
    name: 'backend',
    entry: BACKEND_ENTRY,
    portEnv: 'OKO_PORT',
    logDir,
    env: {
      OKO_HOST: '127.0.0.1',
      OKO_PLUGINS_DIR: options.pluginsDir,
      OKO_DATA_DIR: options.dataDir,
      OKO_BUILTIN_PLUGINS_DIR: '',
      OKO_STORE_URL: `${options.storeUrl}/api/v1`,
      OKO_STORE_API_KEY: '',
      ...options.env,
    },
  };
  if (options.port !== undefined) spawn.port = options.port;
  return spawn;
}

export async function startBackend(logDir: string, options: BackendOptions): Promise<Service> {
  await mkdir(options.pluginsDir, { recursive: true });
  return startService(backendSpawnOptions(logDir, options));
}
