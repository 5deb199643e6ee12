import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../packages/store/src/app.js';
import { loadConfig } from '../packages/store/src/config.js';
import { answerInProcess } from './http.js';

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
}

export async function buildTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const owned = options.storageDir === undefined;
  const storage = options.storageDir ?? (await mkdtemp(path.join(tmpdir(), 'oko-store-test-')));
  let app: FastifyInstance;
  try {
    app = await buildApp(loadConfig({ OKO_STORE_STORAGE_PATH: storage, OKO_STORE_SEED: 'false', ...options.env }));
    // Tests assert the answers; a log line per request would bury the output.
    app.log.level = 'error';
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    if (owned) await rm(storage, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const release = answerInProcess(url, app);
  return {
    app,
    url,
    api: `${url}/api/v1`,
    storage,
    close: async () => {
      release();
      await app.close();
      if (owned) await rm(storage, { recursive: true, force: true });
    },
  };
}
