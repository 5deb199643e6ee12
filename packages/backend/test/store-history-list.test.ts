import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// The dashboard relays the store's list: one card per plugin name with versions_count, every version with all_versions=true.

let root: string;
let store: TestStore;
let backend: TestBackend;

async function publish(name: string, version: string): Promise<void> {
  const zip = await zipFiles({
    'manifest.json': JSON.stringify({ name, version, description: `${name} ${version}` }),
    'index.js': 'export async function setup() {}',
  });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip);
  expect(res.status, await res.clone().text()).toBe(201);
}

beforeAll(async () => {
  root = await tempDir('store-history-list');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data') });
  await publish('many_versions', '1.0.0');
  await publish('many_versions', '1.2.0');
  await publish('many_versions', '1.10.0');
  await publish('one_version', '0.1.0');
});

afterAll(async () => {
  await backend?.close();
  await store?.close();
  if (root) await removeDir(root);
});

type Listing = { total: number; plugins: { name: string; version: string; versions_count?: number }[] };

describe('GET /store relays the store list by plugin name', () => {
  it('lists one card per name, its newest version, with versions_count', async () => {
    const { status, body: listing } = await getJson<Listing>(`${api(backend)}/store`);
    expect(status).toBe(200);
    expect(listing.total).toBe(2);
    expect(listing.plugins.map((p) => [p.name, p.version, p.versions_count])).toEqual([
      ['many_versions', '1.10.0', 3],
      ['one_version', '0.1.0', 1],
    ]);
  });

  it('passes all_versions=true through: one entry per version, no versions_count', async () => {
    const { status, body: listing } = await getJson<Listing>(`${api(backend)}/store?all_versions=true`);
    expect(status).toBe(200);
    expect(listing.total).toBe(4);
    expect(listing.plugins.map((p) => `${p.name}@${p.version}`)).toEqual([
      'many_versions@1.10.0',
      'many_versions@1.2.0',
      'many_versions@1.0.0',
      'one_version@0.1.0',
    ]);
    expect(listing.plugins.every((p) => p.versions_count === undefined)).toBe(true);
  });
});
