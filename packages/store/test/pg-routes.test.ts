import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { seedExamplePlugins } from '../src/services/catalog-seeder.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { eventually } from '../../../test-support/eventually.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, json, pluginZip, uploadZip, type TestStore } from './helpers.js';
import { startPostgres, type PostgresServer } from './pg-helpers.js';

/* The store's routes with its catalog and tokens in PostgreSQL (OKO_STORE_DATABASE_URL), in-process. */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
let server: PostgresServer;
const stores: TestStore[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  await server?.stop();
});

async function storeOn(url: string): Promise<TestStore> {
  const store = await buildTestStore({ env: { OKO_STORE_DATABASE_URL: url, OKO_STORE_API_KEY: KEY } });
  stores.push(store);
  return store;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function createToken(store: TestStore, name: string): Promise<string> {
  const answer = await request(`${store.api}/publishers`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind: 'publisher' }),
  });
  expect(answer.status).toBe(201);
  return (await json(answer)).token;
}

describe('the store API on PostgreSQL', () => {
  it('uploads, lists, reads, refuses a duplicate with 409 naming the entry, and deletes, with no plugins.json', async () => {
    const store = await storeOn(await server.createDatabase('routes'));
    const uploaded = await uploadZip(store, pluginZip('net_probe', '1.2.0', { tags: ['network'], description: 'Probes hosts' }), ADMIN);
    expect(uploaded.status).toBe(201);
    const { plugin_id: id } = await json(uploaded);

    const list = await json(await request(`${store.api}/plugins?q=PROBES`));
    expect(list).toMatchObject({ total: 1, plugins: [{ id, name: 'net_probe', version: '1.2.0', publisher: 'admin' }] });
    expect(await json(await request(`${store.api}/plugins/${id}`))).toMatchObject({ id, name: 'net_probe', tags: ['network'] });
    expect((await json(await request(`${store.api}/plugins/net_probe`))).id).toBe(id);
    const download = await request(`${store.api}/plugins/${id}/download`);
    expect(download.status).toBe(200);

    const again = await uploadZip(store, pluginZip('net_probe', '1.2.0+rebuilt', { description: 'Other bytes' }), ADMIN);
    const message = await expectErrorAnswer(again, 409, 'PLUGIN_ALREADY_EXISTS');
    expect(message).toContain(`(id ${id})`);
    expect(await catalogFile(store)).toBeNull(); // the catalog is in the database, not beside the uploads

    expect((await request(`${store.api}/plugins/${id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
    await expectErrorAnswer(await request(`${store.api}/plugins/${id}`), 404, 'PLUGIN_NOT_FOUND');
    expect((await json(await request(`${store.api}/plugins`))).total).toBe(0);
    const health = await json(await request(`${store.api}/health`));
    expect(health).toMatchObject({ status: 'healthy', read_only: false, plugins_count: 0 });
  });

  it('keeps owned names and tombstones across two stores on one database: NOT_OWNER, a delete right after a publish elsewhere, VERSION_DELETED, the same package back and seen by the other', async () => {
    const url = await server.createDatabase('routes');
    const [a, b] = [await storeOn(url), await storeOn(url)];
    const alice = await createToken(a, 'alice');
    const bob = await createToken(a, 'bob'); // made through a, used through b: the token table is shared
    const published = await uploadZip(b, pluginZip('owned_tool', '1.0.0'), bearer(alice));
    expect(published.status).toBe(201);
    const { plugin_id: id } = await json(published);
    await expectErrorAnswer(await uploadZip(a, pluginZip('owned_tool', '2.0.0'), bearer(bob)), 403, 'NOT_OWNER');
    // At once, without waiting for a's copy to hear of it: a write is never refused on a copy a moment old.
    expect((await request(`${a.api}/plugins/${id}`, { method: 'DELETE', headers: bearer(alice) })).status).toBe(200);
    const other = await uploadZip(b, pluginZip('owned_tool', '1.0.0', { description: 'different content' }), bearer(alice));
    await expectErrorAnswer(other, 409, 'VERSION_DELETED');
    const same = await uploadZip(b, pluginZip('owned_tool', '1.0.0'), bearer(alice));
    expect(same.status).toBe(201);
    const { plugin_id: back } = await json(same);
    await eventually(
      async () => (await json(await request(`${a.api}/plugins`))).plugins.map((p: { id: string }) => p.id),
      (ids: string[]) => ids.includes(back),
    );
  });

  it('answers 503 DATABASE_UNAVAILABLE to writes and token checks while PostgreSQL is down, and keeps listing', async () => {
    const own = await startPostgres();
    try {
      const store = await storeOn(await own.createDatabase('down'));
      const alice = await createToken(store, 'alice');
      const kept = await uploadZip(store, pluginZip('kept_tool', '1.0.0'), ADMIN);
      expect(kept.status).toBe(201);
      await own.stop();
      await expectErrorAnswer(await uploadZip(store, pluginZip('kept_tool', '1.1.0'), ADMIN), 503, 'DATABASE_UNAVAILABLE');
      await expectErrorAnswer(await uploadZip(store, pluginZip('other_tool', '1.0.0'), bearer(alice)), 503, 'DATABASE_UNAVAILABLE');
      const list = await json(await request(`${store.api}/plugins`));
      expect(list.plugins.map((p: { name: string }) => p.name)).toEqual(['kept_tool']);
    } finally {
      await own.stop();
    }
  });

  it('seeds a new catalog once: a restart does not seed again, nor bring back an example the admin deleted', async () => {
    const url = await server.createDatabase('seed');
    const storage = await mkdtemp(path.join(os.tmpdir(), 'oko-pg-seed-'));
    const start = async () => {
      const config = loadConfig({ OKO_STORE_STORAGE_PATH: storage, OKO_STORE_DATABASE_URL: url, OKO_STORE_SEED: 'true' });
      const app = await buildApp(config, { seedCatalog: seedExamplePlugins(config.seed, storage) });
      app.log.level = 'error';
      return app;
    };
    const names = async (app: Awaited<ReturnType<typeof start>>) =>
      (await app.inject('/api/v1/plugins')).json().plugins.map((p: { name: string; id: string }) => p);
    try {
      const first = await start();
      const seeded = await names(first);
      expect(seeded.length).toBeGreaterThan(1);
      expect((await first.inject({ method: 'DELETE', url: `/api/v1/plugins/${seeded[0].id}` })).statusCode).toBe(200);
      await first.close();
      const second = await start();
      expect((await names(second)).map((p: { name: string }) => p.name)).toEqual(seeded.slice(1).map((p: { name: string }) => p.name));
      await second.close();
    } finally {
      await rm(storage, { recursive: true, force: true });
    }
  });
});
