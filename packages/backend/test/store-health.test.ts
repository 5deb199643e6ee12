import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeConfig, StoreHealthReport, StoreListing } from '@oko/shared';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson } from '../../../test-support/http.js';
import { buildTestStore } from '../../../test-support/store-app.js';

// What the backend relays of the store's /health (Settings' "Plugin store" panel): the store's own
// status, reason, refused writes, database and bucket, field by field, so a store older than a
// field or one that says something new in it still has the rest shown.

let answer: Record<string, unknown> = {};
let store: Server;
let backend: TestBackend;

beforeAll(async () => {
  store = createServer((req, res) => {
    res.writeHead(req.url === '/api/v1/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/api/v1/health' ? answer : { error: { code: 'NOT_FOUND', message: 'no' } }));
  });
  await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
  backend = await buildTestBackend({ storeUrl: `http://127.0.0.1:${(store.address() as AddressInfo).port}/api/v1` });
});
afterAll(async () => {
  await backend?.close();
  await new Promise((resolve) => store?.close(resolve));
});

const DEGRADED = {
  status: 'degraded',
  reason: 'PostgreSQL cannot be reached (ECONNREFUSED)',
  version: '0.1.0',
  storage_path: '/srv/store',
  plugins_count: 3,
  read_only: true,
  database: { reachable: false, change_feed: false },
  blob_store: { reachable: true },
};

describe("the store's health as the backend relays it", () => {
  it('relays status, reason, read_only, database and blob_store on /store/health and /system/config, and no storage path', async () => {
    answer = DEGRADED;
    const { storage_path: _path, ...relayed } = DEGRADED;
    const report = (await getJson<StoreHealthReport>(`${api(backend)}/store/health`)).body;
    expect(report).toMatchObject({ available: true, store: relayed });
    expect(JSON.stringify(report)).not.toContain('/srv/store');
    const config = (await getJson<RuntimeConfig>(`${api(backend)}/system/config`)).body;
    expect(config.store).toMatchObject({ available: true, health: relayed });
  });

  it('leaves out a field the store sent in another shape, and keeps the others', async () => {
    answer = { ...DEGRADED, status: 'maintenance', database: { reachable: 'no' } };
    const report = (await getJson<StoreHealthReport>(`${api(backend)}/store/health`)).body;
    expect(report.available).toBe(true);
    expect(report.store).toEqual({
      version: '0.1.0',
      plugins_count: 3,
      reason: DEGRADED.reason,
      read_only: true,
      blob_store: { reachable: true },
    });
  });

  it('shows an older store, which sends only its version and size, as it did', async () => {
    answer = { status: 'ok', version: '0.0.9', plugins_count: 1 };
    const report = (await getJson<StoreHealthReport>(`${api(backend)}/store/health`)).body;
    expect(report).toMatchObject({ available: true, store: { version: '0.0.9', plugins_count: 1 } });
    expect(Object.keys(report.store!).sort()).toEqual(['plugins_count', 'version']);
  });
});

// The plugins page's store pill reads the listing (reachable or not) and /store/health (degraded,
// read-only): both from a real store whose plugins.json is broken, then from one that stopped.
describe('a real store that is degraded, then gone', () => {
  it("lists its catalog while /store/health says degraded and read-only with the store's reason", async () => {
    const storage = await tempDir('store-health-broken');
    await writeFile(path.join(storage, 'plugins.json'), '{"format": 1, "plugins": [{"id": "half');
    const broken = await buildTestStore({ storageDir: storage });
    const dashboard = await buildTestBackend({ storeUrl: broken.api });
    try {
      const listing = (await getJson<StoreListing>(`${dashboard.api}/store`)).body;
      expect(listing.available).toBe(true);
      const report = (await getJson<StoreHealthReport>(`${dashboard.api}/store/health`)).body;
      expect(report).toMatchObject({ available: true, store: { status: 'degraded', read_only: true } });
      expect(report.store!.reason).toMatch(/plugins\.json is unreadable/);
    } finally {
      await dashboard.close();
      await broken.close();
      await removeDir(storage);
    }
  });

  it('says why a stopped store does not answer without repeating its URL, which the report names beside it', async () => {
    const stopped = await buildTestStore();
    await stopped.close();
    const dashboard = await buildTestBackend({ storeUrl: stopped.api });
    try {
      const report = (await getJson<StoreHealthReport>(`${dashboard.api}/store/health`)).body;
      expect(report).toMatchObject({ available: false, url: stopped.api, reason: 'Connection refused' });
      const config = (await getJson<RuntimeConfig>(`${dashboard.api}/system/config`)).body;
      expect(config.store).toMatchObject({ available: false, url: stopped.api, reason: 'Connection refused' });
      // The Store tab shows the listing's reason alone, so there the URL stays in it.
      const listing = (await getJson<StoreListing>(`${dashboard.api}/store`)).body;
      expect(listing).toMatchObject({ available: false, reason: `Plugin store at ${stopped.api} is unavailable: connection refused` });
    } finally {
      await dashboard.close();
    }
  });
});
