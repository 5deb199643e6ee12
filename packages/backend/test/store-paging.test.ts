import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// GET /store pages through a catalog larger than the store's default page (50), against a real
// store and backend built in-process. Its own store, so the counts are exact; the tests only read.

const COUNT = 55;
const names = Array.from({ length: COUNT }, (_, i) => `pkg_${String(i + 1).padStart(3, '0')}`);

interface Listing {
  available: boolean;
  total: number;
  page: number;
  per_page: number;
  plugins: Array<{ name: string; installed: boolean }>;
}

let root: string;
let store: TestStore;
let backend: TestBackend;

beforeAll(async () => {
  root = await tempDir('store-paging');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data') });
  // A few at a time: the store writes its catalog one import after another anyway.
  for (let i = 0; i < names.length; i += 8) {
    await Promise.all(
      names.slice(i, i + 8).map(async (name) => {
        const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name }));
        expect(res.status, await res.clone().text()).toBe(201);
      }),
    );
  }
});

afterAll(async () => {
  await backend?.close();
  await store?.close();
  if (root) await removeDir(root);
});

describe('GET /store paging', () => {
  it('answers the first page of the default size with the total, page and per_page', async () => {
    const { status, body } = await getJson<Listing>(`${api(backend)}/store`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ available: true, total: COUNT, page: 1, per_page: 50 });
    expect(body.plugins.map((p) => p.name)).toEqual(names.slice(0, 50));
  });

  it('reads page 2 through the backend: the plugins past the default page', async () => {
    const { status, body } = await getJson<Listing>(`${api(backend)}/store?page=2`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ available: true, total: COUNT, page: 2, per_page: 50 });
    expect(body.plugins.map((p) => p.name)).toEqual(names.slice(50));
    expect(body.plugins.every((p) => p.installed === false)).toBe(true);
  });

  it('pages through search results with q and per_page', async () => {
    const { body } = await getJson<Listing>(`${api(backend)}/store?q=PKG_05&per_page=4&page=2`);
    expect(body).toMatchObject({ total: 6, page: 2, per_page: 4 });
    expect(body.plugins.map((p) => p.name)).toEqual(['pkg_054', 'pkg_055']);
  });

  it('answers an empty page past the end, still with the total', async () => {
    const { body } = await getJson<Listing>(`${api(backend)}/store?page=9&per_page=10`);
    expect(body).toMatchObject({ total: COUNT, page: 9, per_page: 10, plugins: [] });
  });
});
