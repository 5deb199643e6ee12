import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildTestBackend } from '../../../test-support/backend-app.js';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';

/**
 * For a file of tests that point in-process backends at misbehaving fake stores: one scratch
 * folder for the file, a plugins/data pair per test name, and everything started stopped after
 * each test (last started, first stopped). Registers its own hooks.
 */
export function fakeStoreSetup(prefix: string) {
  let root = '';
  const running: Array<{ stop: () => Promise<void> }> = [];
  beforeAll(async () => {
    root = await tempDir(prefix);
  });
  afterEach(async () => {
    for (const item of running.splice(0).reverse()) await item.stop();
  });
  afterAll(async () => {
    await removeDir(root);
  });

  async function dirs(name: string): Promise<{ pluginsDir: string; dataDir: string }> {
    const pluginsDir = path.join(root, name, 'plugins');
    const dataDir = path.join(root, name, 'data');
    await mkdir(pluginsDir, { recursive: true });
    return { pluginsDir, dataDir };
  }

  return {
    dirs,
    /** Stops `item` after the current test. */
    track(item: { stop: () => Promise<void> }): void {
      running.push(item);
    },
    async backendFor(storeUrl: string, name: string, env: Record<string, string> = {}) {
      const folders = await dirs(name);
      const backend = await buildTestBackend({ storeUrl, ...folders, env });
      running.push({ stop: backend.close });
      return { backend, ...folders };
    },
    async fakeStore(...args: Parameters<typeof startFakeStore>): Promise<FakeStore> {
      const store = await startFakeStore(...args);
      running.push({ stop: store.close });
      return store;
    },
  };
}
