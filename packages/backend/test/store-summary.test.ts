import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, request, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// GET /store lists each entry as the store's summary; GET /store/{id} has it all.

const blob = 'b'.repeat(50_000);
let root: string;
let store: TestStore;
let backend: TestBackend;
let fake: Server;
let fakeBackend: TestBackend;
let entryId: string;

beforeAll(async () => {
  root = await tempDir('store-summary');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data') });
  const zip = await zipFiles({
    'manifest.json': JSON.stringify({ name: 'big_meta', version: '1.0.0', description: 'Big', capabilities: ['exec.big_meta.run'], blob }),
    'ui.yaml': `page_title: Big meta\nnotes: ${blob}\n`,
    'index.js': 'export async function setup() {}',
  });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip);
  expect(res.status, await res.clone().text()).toBe(201);
  entryId = ((await res.json()) as { plugin_id: string }).plugin_id;

  // A store that still lists whole entries, ui and all: the backend cuts them to the summary itself.
  const full = { id: 'abc123', name: 'full_entry', version: '2.0.0', size: 1, sha256: 'x', description: 'd', author: 'a', tags: [] };
  const entry = { ...full, manifest: { name: 'full_entry', version: '2.0.0', capabilities: [], blob }, ui: { notes: blob }, extra: blob };
  fake = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ plugins: [entry], total: 1, page: 1, per_page: 50 }));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/api/v1`;
  fakeBackend = await buildTestBackend({ storeUrl: fakeUrl, pluginsDir: path.join(root, 'plugins2'), dataDir: path.join(root, 'data2') });
});

afterAll(async () => {
  await backend?.close();
  await fakeBackend?.close();
  await store?.close();
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
  if (root) await removeDir(root);
});

describe('GET /store lists summaries', () => {
  it('answers each entry with the summary: manifest name, version, capabilities and the card fields, no ui', async () => {
    const res = await request(`${api(backend)}/store`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(2_000);
    const [item] = (JSON.parse(text) as { plugins: Record<string, unknown>[] }).plugins;
    expect(item).toMatchObject({
      id: entryId,
      name: 'big_meta',
      version: '1.0.0',
      description: 'Big',
      installed: false,
      update_available: false,
    });
    expect(item!.manifest).toEqual({ name: 'big_meta', version: '1.0.0', capabilities: ['exec.big_meta.run'] });
    expect(item).not.toHaveProperty('ui');
  });

  it('keeps the full manifest and ui in GET /store/{id}', async () => {
    const { status, body } = await getJson<{ manifest: { blob: string }; ui: { notes: string } }>(`${api(backend)}/store/${entryId}`);
    expect(status).toBe(200);
    expect(body.manifest.blob).toHaveLength(50_000);
    expect(body.ui.notes).toHaveLength(50_000);
  });

  it('cuts a store answer that lists whole entries down to the summary', async () => {
    const res = await request(`${api(fakeBackend)}/store`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text.length).toBeLessThan(1_000);
    const [item] = (JSON.parse(text) as { plugins: Record<string, unknown>[] }).plugins;
    expect(item).toMatchObject({ id: 'abc123', name: 'full_entry', manifest: { name: 'full_entry', version: '2.0.0', capabilities: [] } });
    expect(item).not.toHaveProperty('ui');
    expect(item).not.toHaveProperty('extra');
  });
});
