import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_HEADER, isInstanceId } from '@oko/shared';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, post, request, uploadZip } from '../../../test-support/http.js';
import { startRecordingProxy, type RecordingProxy } from '../../../test-support/recording-proxy.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { INSTANCE_ID_FILE } from '../src/store-integration/client/instance-id.js';

// The dashboard's instance id: created once in OKO_DATA_DIR, the same after a restart, sent on
// every call to a real store (through a proxy that notes the headers), and never shown a browser.
let root: string;
let store: TestStore;
let proxy: RecordingProxy;
const dataDir = () => path.join(root, 'data');

async function backendOn(dir = dataDir()): Promise<TestBackend> {
  return buildTestBackend({ storeUrl: proxy.url, pluginsDir: path.join(root, 'plugins'), dataDir: dir });
}

async function storedId(dir = dataDir()): Promise<string> {
  return (await readFile(path.join(dir, INSTANCE_ID_FILE), 'utf8')).trim();
}

beforeAll(async () => {
  root = await tempDir('store-instance');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  expect((await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name: 'counted_plugin' }))).status).toBe(201);
  proxy = await startRecordingProxy(api(store));
});

afterAll(async () => {
  await proxy?.close();
  await store?.close();
  if (root) await removeDir(root);
});

describe('the instance id', () => {
  it('is created once, 0600, and kept across a restart', async () => {
    const first = await backendOn();
    const id = await storedId();
    expect(isInstanceId(id)).toBe(true);
    expect(id).toHaveLength(32);
    expect((await stat(path.join(dataDir(), INSTANCE_ID_FILE))).mode & 0o777).toBe(0o600);
    await first.close();
    const second = await backendOn();
    await second.close();
    expect(await storedId()).toBe(id);
  });

  it('names the dashboard on catalog reads, entries, health and downloads', async () => {
    const backend = await backendOn();
    try {
      const id = await storedId();
      proxy.seen.length = 0;
      expect((await request(`${api(backend)}/store`)).status).toBe(200);
      expect((await request(`${api(backend)}/store/counted_plugin`)).status).toBe(200);
      expect((await request(`${api(backend)}/store/health`)).status).toBe(200);
      expect((await post(`${api(backend)}/store/counted_plugin/install`)).status).toBe(200);
      const urls = proxy.seen.map((r) => r.url);
      expect(urls.some((url) => url.endsWith('/download'))).toBe(true);
      expect(urls.some((url) => url.startsWith('/api/v1/plugins?') || url === '/api/v1/plugins')).toBe(true);
      for (const seen of proxy.seen) expect(seen.headers[INSTANCE_HEADER], seen.url).toBe(id);
    } finally {
      await backend.close();
    }
  });

  it('is never in an answer a browser reads', async () => {
    const backend = await backendOn();
    try {
      const id = await storedId();
      for (const url of ['/info', '/system/config', '/system/settings', '/store', '/store/health', '/store/counted_plugin', '/plugins']) {
        const res = await request(`${api(backend)}${url}`);
        expect(res.status, url).toBe(200);
        expect(await res.text(), url).not.toContain(id);
      }
    } finally {
      await backend.close();
    }
  });

  it('is made again, and the bad file kept aside, when the file is not an id', async () => {
    const dir = path.join(root, 'corrupt-data');
    const first = await backendOn(dir);
    await first.close();
    await writeFile(path.join(dir, INSTANCE_ID_FILE), 'not an id!\n');
    const second = await backendOn(dir);
    await second.close();
    const id = await storedId(dir);
    expect(isInstanceId(id)).toBe(true);
    expect((await readdir(dir)).some((name) => name.startsWith(`${INSTANCE_ID_FILE}.corrupt-`))).toBe(true);
  });
});
