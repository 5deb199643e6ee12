import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { eventually } from '../../../test-support/eventually.js';
import { pluginFiles, pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// GET /store answers from what it built last while neither the store's page nor the installed
// plugins changed (store-catalog.ts, installed-view.ts): each change below must show in the
// backend's answers, and its ETag must change with it. A real store and backend, in-process.

interface Listing {
  available: boolean;
  total: number;
  plugins: Array<{ name: string; installed: boolean; installed_version: string | null; installed_state: string | null }>;
}

let root: string;
let store: TestStore;
let backend: TestBackend;
let pluginsDir: string;

async function publish(name: string, version = '1.0.0'): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name, version }));
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

async function listing(headers: Record<string, string> = {}): Promise<{ status: number; etag: string | null; text: string }> {
  const res = await request(`${api(backend)}/store`, { headers });
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text() };
}

async function entry(name: string): Promise<Listing['plugins'][number] | undefined> {
  const { text } = await listing();
  return (JSON.parse(text) as Listing).plugins.find((plugin) => plugin.name === name);
}

beforeEach(async () => {
  root = await tempDir('store-list-cache');
  pluginsDir = path.join(root, 'plugins');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir: path.join(root, 'data') });
  await publish('alpha');
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

describe('GET /store kept between changes', () => {
  it('shows a plugin published to the store within a second', async () => {
    expect(await entry('beta')).toBeUndefined();
    await publish('beta');
    await eventually(async () => expect(await entry('beta')).toMatchObject({ installed: false }), undefined, 1000);
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 with a new one after a store change', async () => {
    const first = await listing();
    expect(first.etag).toMatch(/^"[^"]+"$/);
    const again = await listing({ 'if-none-match': first.etag! });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.etag).toBe(first.etag);
    await publish('alpha', '1.1.0');
    // Published straight to the store: the backend sees it within its revalidation window (500 ms).
    const changed = await eventually(
      async () => {
        const answer = await listing({ 'if-none-match': first.etag! });
        expect(answer.status).toBe(200);
        return answer;
      },
      undefined,
      1000,
    );
    expect(changed.etag).not.toBe(first.etag);
    expect(JSON.parse(changed.text).plugins[0]).toMatchObject({ name: 'alpha', version: '1.1.0' });
  });

  it('sends the same bytes again, as JSON with the same type', async () => {
    const first = await request(`${api(backend)}/store`);
    const second = await request(`${api(backend)}/store`);
    const text = await first.text();
    expect(await second.text()).toBe(text);
    expect(second.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(text).toBe(JSON.stringify(JSON.parse(text)));
    expect(JSON.parse(text)).toMatchObject({ available: true, total: 1, page: 1, per_page: 50 });
  });

  it('marks a plugin installed through the backend in the next answer, with a new ETag', async () => {
    const before = await listing();
    const id = (JSON.parse(before.text) as { plugins: Array<{ id: string }> }).plugins[0]!.id;
    expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);
    const after = await listing({ 'if-none-match': before.etag! });
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(before.etag);
    expect((JSON.parse(after.text) as Listing).plugins[0]).toMatchObject({ installed: true, installed_version: '1.0.0' });
  });

  it('shows a load and an unload in the next answer', async () => {
    const id = (JSON.parse((await listing()).text) as { plugins: Array<{ id: string }> }).plugins[0]!.id;
    expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);
    expect(await entry('alpha')).toMatchObject({ installed_state: 'discovered' });
    expect((await post(`${api(backend)}/plugins/alpha/load`)).status).toBe(200);
    expect(await entry('alpha')).toMatchObject({ installed_state: 'active' });
    expect((await post(`${api(backend)}/plugins/alpha/unload`)).status).toBe(200);
    expect(await entry('alpha')).toMatchObject({ installed_state: 'discovered' });
  });

  it('shows a plugin copied into the plugins folder by hand, and its removal', async () => {
    await listing();
    const dir = path.join(pluginsDir, 'alpha');
    await mkdir(dir);
    for (const [file, content] of Object.entries(pluginFiles({ name: 'alpha', version: '0.9.0' })))
      await writeFile(path.join(dir, file), content);
    await eventually(async () => expect(await entry('alpha')).toMatchObject({ installed: true, installed_version: '0.9.0' }));
    await removeDir(dir);
    await eventually(async () => expect(await entry('alpha')).toMatchObject({ installed: false }));
  });
});
