import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startService, type RunningService } from './service.js';

/*
 * The built services as real processes, for what only a process shows: kill -9, restart, a full
 * disk or a read-only folder for that process, its log, the launcher and the browser tests.
 */
const root = path.resolve(import.meta.dirname, '..');
export const STORE_ENTRY = path.join(root, 'packages/store/dist/server.js');
export const BACKEND_ENTRY = path.join(root, 'packages/backend/dist/server.js');

export interface StoreProcess extends RunningService {
  /** `${url}/api/v1` */
  api: string;
  storage: string;
  /** Stops this process and starts a new one on the same storage folder. */
  restart: () => Promise<StoreProcess>;
}

export interface StoreProcessOptions {
  /** Default: a fresh temporary folder, removed by stop(). */
  storageDir?: string;
  env?: Record<string, string>;
  port?: number;
}

export async function startStore(options: StoreProcessOptions = {}): Promise<StoreProcess> {
  const owned = options.storageDir === undefined;
  const storage = options.storageDir ?? (await mkdtemp(path.join(tmpdir(), 'oko-store-test-')));
  let service: RunningService;
  try {
    service = await startService({
      entry: STORE_ENTRY,
      portEnv: 'OKO_STORE_PORT',
      port: options.port,
      // An empty catalog unless a test asks for the seeded example plugins: counts stay exact.
      env: { OKO_STORE_STORAGE_PATH: storage, OKO_STORE_HOST: '127.0.0.1', OKO_STORE_SEED: 'false', ...options.env },
    });
  } catch (error) {
    if (owned) await rm(storage, { recursive: true, force: true });
    throw error;
  }
  const removeOwned = async () => {
    if (owned) await rm(storage, { recursive: true, force: true });
  };
  const store: StoreProcess = {
    ...service,
    api: `${service.url}/api/v1`,
    storage,
    stop: async (graceMs?: number) => {
      await service.stop(graceMs);
      await removeOwned();
    },
    restart: async () => {
      await service.stop();
      const next = await startStore({ ...options, storageDir: storage });
      return { ...next, stop: async (graceMs?: number) => (await next.stop(graceMs), await removeOwned()) };
    },
  };
  return store;
}

export interface BackendProcess extends RunningService {
  /** `${url}/api/v1` */
  api: string;
  pluginsDir: string;
  dataDir: string;
}

export interface BackendProcessOptions {
  pluginsDir: string;
  dataDir: string;
  /** OKO_STORE_URL; default the config's own. */
  storeUrl?: string;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Runs node through this command, e.g. prlimit to give the backend a resource limit. */
  launcher?: string[];
}

export async function startBackend(options: BackendProcessOptions): Promise<BackendProcess> {
  const service = await startService({
    entry: BACKEND_ENTRY,
    portEnv: 'OKO_PORT',
    uid: options.uid,
    gid: options.gid,
    launcher: options.launcher,
    env: {
      OKO_HOST: '127.0.0.1',
      OKO_PLUGINS_DIR: options.pluginsDir,
      OKO_DATA_DIR: options.dataDir,
      // Tests ship their own plugins; the backend's builtin ones would only add noise.
      OKO_BUILTIN_PLUGINS_DIR: '',
      // A busy test machine can make a healthy store slower than the 3 s default; tests that
      // exercise the timeout set their own. A dead store is refused at once either way.
      OKO_STORE_TIMEOUT_MS: '20000',
      ...(options.storeUrl ? { OKO_STORE_URL: options.storeUrl } : {}),
      ...options.env,
    },
  });
  return { ...service, api: `${service.url}/api/v1`, pluginsDir: options.pluginsDir, dataDir: options.dataDir };
}
