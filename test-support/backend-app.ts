import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../packages/backend/src/app.js';
import { loadConfig } from '../packages/backend/src/config.js';
import { tempDir } from './fixtures.js';
import { serveInProcess } from './http.js';

/** A dashboard backend built from source in this process: the route-test layer. */
export interface TestBackend {
  app: FastifyInstance;
  /** http://127.0.0.1:PORT: request() answers it with inject(); it also listens for raw sockets. */
  url: string;
  /** `${url}/api/v1` */
  api: string;
  pluginsDir: string;
  dataDir: string;
  close: () => Promise<void>;
}

export interface TestBackendOptions {
  /** Default: plugins/ and data/ in a fresh temporary folder, removed on close(). */
  pluginsDir?: string;
  dataDir?: string;
  /** OKO_STORE_URL; default the config's own (nothing listens there in tests). */
  storeUrl?: string;
  /** More OKO_* settings, applied last. */
  env?: Record<string, string>;
}

export async function buildTestBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  const root = options.pluginsDir && options.dataDir ? undefined : await tempDir('backend-test');
  const pluginsDir = options.pluginsDir ?? path.join(root!, 'plugins');
  const dataDir = options.dataDir ?? path.join(root!, 'data');
  await mkdir(pluginsDir, { recursive: true });
  const cleanup = () => (root ? rm(root, { recursive: true, force: true }) : Promise.resolve());
  try {
    const config = loadConfig({
      OKO_PLUGINS_DIR: pluginsDir,
      OKO_DATA_DIR: dataDir,
      // Tests ship their own plugins and need no web UI.
      OKO_BUILTIN_PLUGINS_DIR: '',
      OKO_FRONTEND_DIR: path.join(dataDir, 'no-frontend'),
      // A busy test machine can make a healthy store slower than the 3 s default; tests of the
      // timeout set their own. A dead store is refused at once either way.
      OKO_STORE_TIMEOUT_MS: '20000',
      // Tests assert the answers; log lines (a plugin's failing route, on purpose) would bury the output.
      OKO_LOG_LEVEL: 'error',
      ...(options.storeUrl ? { OKO_STORE_URL: options.storeUrl } : {}),
      ...options.env,
    });
    const app = await buildApp(config);
    return { app, pluginsDir, dataDir, ...(await serveInProcess(app, cleanup)) };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
