import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFile, expectError, json, pluginZip, startStore, uploadFolders, uploadZip, type TestStore } from './helpers.js';

const KEY = 'test-key-0123456789';
let store: TestStore;

beforeAll(async () => {
  store = await startStore({ OKO_STORE_API_KEY: KEY });
});
afterAll(async () => {
  await store?.stop();
});

describe('API key on write endpoints', () => {
  it('says in /info that a key is required', async () => {
    expect((await json(await fetch(`${store.api}/info`))).auth).toEqual({ api_key_required: true });
  });

  it('refuses an upload without a key or with a wrong one, storing nothing', async () => {
    await expectError(await uploadZip(store, pluginZip('locked')), 401, 'UNAUTHORIZED');
    await expectError(await uploadZip(store, pluginZip('locked'), { 'x-api-key': 'wrong' }), 401, 'UNAUTHORIZED');
    await expectError(await uploadZip(store, pluginZip('locked'), { authorization: `Bearer ${KEY}x` }), 401, 'UNAUTHORIZED');
    await expectError(await uploadZip(store, pluginZip('locked'), { authorization: `Basic ${KEY}` }), 401, 'UNAUTHORIZED');
    expect(await uploadFolders(store)).toEqual([]);
    expect(await catalogFile(store)).toBeNull();
  });

  it('accepts the key as X-API-Key and as Authorization: Bearer', async () => {
    expect((await uploadZip(store, pluginZip('by_header', '1.0.0'), { 'x-api-key': KEY })).status).toBe(201);
    expect((await uploadZip(store, pluginZip('by_bearer', '1.0.0'), { authorization: `Bearer ${KEY}` })).status).toBe(201);
  });

  it('keeps reads open', async () => {
    const list = await json(await fetch(`${store.api}/plugins`));
    expect(list.total).toBe(2);
    const id = list.plugins[0].id as string;
    expect((await fetch(`${store.api}/plugins/${id}`)).status).toBe(200);
    expect((await fetch(`${store.api}/plugins/${id}/path`)).status).toBe(200);
    const download = await fetch(`${store.api}/plugins/${id}/download`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    expect((await fetch(`${store.api}/health`)).status).toBe(200);
  });

  it('guards delete and GitHub import', async () => {
    const id = (await json(await fetch(`${store.api}/plugins/by_header`))).id as string;
    await expectError(await fetch(`${store.api}/plugins/${id}`, { method: 'DELETE' }), 401, 'UNAUTHORIZED');
    expect((await fetch(`${store.api}/plugins/${id}`)).status).toBe(200);
    const importBody = JSON.stringify({ repo_url: 'https://github.com/octo/plugin' });
    await expectError(await fetch(`${store.api}/plugins/upload/github`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: importBody }), 401, 'UNAUTHORIZED');
    expect((await fetch(`${store.api}/plugins/${id}`, { method: 'DELETE', headers: { 'x-api-key': KEY } })).status).toBe(200);
  });
});

describe('without an API key', () => {
  it('leaves write endpoints open', async () => {
    const open = await startStore();
    try {
      expect((await json(await fetch(`${open.api}/info`))).auth).toEqual({ api_key_required: false });
      const created = await json(await uploadZip(open, pluginZip('open_plugin')));
      expect((await fetch(`${open.api}/plugins/${created.plugin_id}`, { method: 'DELETE' })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
