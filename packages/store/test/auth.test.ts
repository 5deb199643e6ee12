import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';

const KEY = 'test-key-0123456789';
let store: TestStore;

beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY } });
});
afterEach(async () => {
  await store?.close();
});

describe('API key on write endpoints', () => {
  it('says in /info that a key is required', async () => {
    expect((await json(await request(`${store.api}/info`))).auth).toEqual({ api_key_required: true });
  });

  it('refuses an upload without a key or with a wrong one, storing nothing', async () => {
    await expectErrorAnswer(await uploadZip(store, pluginZip('locked')), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await uploadZip(store, pluginZip('locked'), { 'x-api-key': 'wrong' }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await uploadZip(store, pluginZip('locked'), { authorization: `Bearer ${KEY}x` }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await uploadZip(store, pluginZip('locked'), { authorization: `Basic ${KEY}` }), 401, 'UNAUTHORIZED');
    expect(await uploadFolders(store)).toEqual([]);
    expect(await catalogFile(store)).toBeNull();
  });

  it('accepts the key as X-API-Key and as Authorization: Bearer', async () => {
    expect((await uploadZip(store, pluginZip('by_header', '1.0.0'), { 'x-api-key': KEY })).status).toBe(201);
    expect((await uploadZip(store, pluginZip('by_bearer', '1.0.0'), { authorization: `Bearer ${KEY}` })).status).toBe(201);
  });

  it('keeps reads open', async () => {
    expect((await uploadZip(store, pluginZip('by_header', '1.0.0'), { 'x-api-key': KEY })).status).toBe(201);
    expect((await uploadZip(store, pluginZip('by_bearer', '1.0.0'), { authorization: `Bearer ${KEY}` })).status).toBe(201);
    const list = await json(await request(`${store.api}/plugins`));
    expect(list.total).toBe(2);
    const id = list.plugins[0].id as string;
    expect((await request(`${store.api}/plugins/${id}`)).status).toBe(200);
    expect((await request(`${store.api}/plugins/${id}/path`)).status).toBe(200);
    const download = await request(`${store.api}/plugins/${id}/download`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    expect((await request(`${store.api}/health`)).status).toBe(200);
  });

  it('guards delete and GitHub import', async () => {
    expect((await uploadZip(store, pluginZip('by_header', '1.0.0'), { 'x-api-key': KEY })).status).toBe(201);
    const id = (await json(await request(`${store.api}/plugins/by_header`))).id as string;
    await expectErrorAnswer(await request(`${store.api}/plugins/${id}`, { method: 'DELETE' }), 401, 'UNAUTHORIZED');
    expect((await request(`${store.api}/plugins/${id}`)).status).toBe(200);
    const importBody = JSON.stringify({ repo_url: 'https://github.com/octo/plugin' });
    await expectErrorAnswer(
      await request(`${store.api}/plugins/upload/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: importBody,
      }),
      401,
      'UNAUTHORIZED',
    );
    expect((await request(`${store.api}/plugins/${id}`, { method: 'DELETE', headers: { 'x-api-key': KEY } })).status).toBe(200);
  });
});

describe('without an API key', () => {
  it('leaves write endpoints open', async () => {
    const open = await buildTestStore();
    try {
      expect((await json(await request(`${open.api}/info`))).auth).toEqual({ api_key_required: false });
      const created = await json(await uploadZip(open, pluginZip('open_plugin')));
      expect((await request(`${open.api}/plugins/${created.plugin_id}`, { method: 'DELETE' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
