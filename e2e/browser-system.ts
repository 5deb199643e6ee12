import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { removeDir, tempDir } from '../test-support/fixtures.js';
import { api } from '../test-support/http.js';
import { startBackend, startStore } from '../test-support/processes.js';
import type { RunningService } from '../test-support/service.js';
import { launchBrowser } from './ui-fixtures.js';

/** Where the browser tests write their screenshots. */
export const SHOTS = path.resolve(import.meta.dirname, '../test-output/screenshots');

/**
 * What a browser test file runs against: a real store and backend (serving the built frontend)
 * as processes on free ports, and one Chromium page. `store` may be replaced by a test that
 * restarts it; `stop()` stops whatever is there then.
 */
export interface BrowserSystem {
  root: string;
  storageDir: string;
  pluginsDir: string;
  dataDir: string;
  store: RunningService;
  backend: RunningService;
  context: BrowserContext;
  page: Page;
  /** The errors the page raised since the last call: each test answers for its own. */
  takePageErrors(): string[];
  stop(): Promise<void>;
}

export interface BrowserSystemOptions {
  /**
   * Runs once the temporary root exists, before the services start (e.g. to write key files);
   * answers extra backend environment (e.g. trusted keys or a signature policy).
   */
  prepare?: (root: string) => Promise<Record<string, string>>;
  /** Extra store environment (e.g. OKO_STORE_STATS_FOLD_S=0, so install counts show at once). */
  storeEnv?: Record<string, string>;
}

export async function startBrowserSystem(name: string, options: BrowserSystemOptions = {}): Promise<BrowserSystem> {
  await mkdir(SHOTS, { recursive: true });
  const root = await tempDir(name);
  const storageDir = path.join(root, 'store');
  const pluginsDir = path.join(root, 'plugins');
  const dataDir = path.join(root, 'data');
  const backendEnv = await options.prepare?.(root);
  const store = await startStore({ storageDir, env: options.storeEnv });
  const backend = await startBackend({ storeUrl: api(store), pluginsDir, dataDir, env: backendEnv });
  const { context, profileDir } = await launchBrowser();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const system: BrowserSystem = {
    root,
    storageDir,
    pluginsDir,
    dataDir,
    store,
    backend,
    context,
    page,
    takePageErrors: () => pageErrors.splice(0),
    async stop() {
      await system.context.close();
      await system.backend.stop();
      await system.store.stop();
      await rm(profileDir, { recursive: true, force: true });
      await removeDir(root);
    },
  };
  return system;
}
