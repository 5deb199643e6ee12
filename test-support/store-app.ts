import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../packages/store/src/app.js';
import { loadConfig } from '../packages/store/src/config.js';
import type { ReviewLimits } from '../packages/store/src/services/review-repository.js';
import { serveInProcess } from './http.js';

/** A store built from source in this process (fastify/demo's test helper): the route-test layer. */
export interface TestStore {
  app: FastifyInstance;
  /** http://127.0.0.1:PORT: request() answers it with inject(); it also listens for raw sockets. */
  url: string;
  /** `${url}/api/v1` */
  api: string;
  storage: string;
  close: () => Promise<void>;
}

export interface TestStoreOptions {
  /** OKO_STORE_* settings; the catalog starts empty unless a test asks for the seed. */
  env?: Record<string, string>;
  /** Its storage folder; by default a fresh temporary one, removed on close(). */
  storageDir?: string;
  /** The clock of the store's stats fold (buildApp's `now`), for tests that move past the fold interval. */
  now?: () => number;
  /** Bounds of the store's reviews.json, small so a test reaches them. */
  reviewLimits?: ReviewLimits;
  /** Runs once the services are up (buildApp's): where a test gets at them, e.g. to stop the archive thread. */
  seedCatalog?: BuildOptions['seedCatalog'];
}

export async function buildTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const owned = options.storageDir === undefined;
  const storage = options.storageDir ?? (await mkdtemp(path.join(tmpdir(), 'oko-store-test-')));
  const cleanup = () => (owned ? rm(storage, { recursive: true, force: true }) : Promise.resolve());
  try {
    const config = loadConfig({ OKO_STORE_STORAGE_PATH: storage, OKO_STORE_SEED: 'false', ...options.env });
    const app = await buildApp(config, { now: options.now, reviewLimits: options.reviewLimits, seedCatalog: options.seedCatalog });
    // Tests assert the answers; a log line per request would bury the output.
    app.log.level = 'error';
    return { app, storage, ...(await serveInProcess(app, cleanup)) };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
