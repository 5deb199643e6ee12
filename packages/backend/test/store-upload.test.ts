import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// POST /store/upload/zip and /store/upload/github forward to the store with the backend's key.
// Store and backends are built in-process; each test uploads plugins of its own names.

const KEY = 'test-store-key-0123456789';
let root: string;
let store: TestStore;
let keyed: TestBackend;
let keyless: TestBackend;
let fake: FakeStore;
let viaFake: TestBackend;

beforeAll(async () => {
  root = await tempDir('store-upload');
  store = await buildTestStore({ storageDir: path.join(root, 'store'), env: { OKO_STORE_API_KEY: KEY } });
  const backendDirs = (name: string) => ({ pluginsDir: path.join(root, name, 'plugins'), dataDir: path.join(root, name, 'data') });
  keyed = await buildTestBackend({
    storeUrl: api(store),
    ...backendDirs('keyed'),
    env: { OKO_STORE_API_KEY: KEY, OKO_STORE_MAX_UPLOAD_MB: '1' },
  });
  keyless = await buildTestBackend({ storeUrl: api(store), ...backendDirs('keyless') });
  fake = await startFakeStore([], {
    upload: { status: 422, body: { error: { code: 'INVALID_REPO_URL', message: 'repo_url must be https://github.com/{owner}/{repo}' } } },
  });
  viaFake = await buildTestBackend({
    storeUrl: fake.url,
    ...backendDirs('fake'),
    env: { OKO_STORE_API_KEY: KEY, OKO_STORE_MAX_UPLOAD_MB: '1' },
  });
});

afterAll(async () => {
  for (const app of [viaFake, keyless, keyed, store]) await app?.close();
  await fake?.close();
  await removeDir(root);
});

describe('POST /store/upload/zip', () => {
  it("forwards the upload with the backend's API key and answers the store's result", async () => {
    const res = await uploadZip(`${api(keyed)}/store/upload/zip`, await pluginZip({ name: 'uploaded', version: '2.1.0' }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { success: boolean; plugin_id: string; message: string; plugin: { name: string; version: string } };
    expect(body).toMatchObject({ success: true, plugin: { name: 'uploaded', version: '2.1.0' } });
    expect(typeof body.message).toBe('string');
    const entry = await getJson<{ name: string }>(`${api(store)}/plugins/${body.plugin_id}`);
    expect(entry.body.name).toBe('uploaded');
    // The store's catalog is what the backend lists next.
    const listed = await getJson<{ plugins: Array<{ name: string }> }>(`${api(keyed)}/store`);
    expect(listed.body.plugins.map((p) => p.name)).toContain('uploaded');
  });

  it("passes the store's error answer through with its status (same name and version: 409)", async () => {
    expect((await uploadZip(`${api(keyed)}/store/upload/zip`, await pluginZip({ name: 'uploaded_twice', version: '2.1.0' }))).status).toBe(
      201,
    );
    const again = await uploadZip(`${api(keyed)}/store/upload/zip`, await pluginZip({ name: 'uploaded_twice', version: '2.1.0' }));
    const body = (await again.clone().json()) as { error: { details?: unknown } };
    await expectErrorAnswer(again, 409, 'PLUGIN_ALREADY_EXISTS');
    // Which entry holds that version, so the upload dialog can offer it.
    expect(body.error.details).toEqual({ plugin_id: expect.stringMatching(/^[0-9a-f]{12}$/), name: 'uploaded_twice', version: '2.1.0' });
  });

  // 502, not 401: a 401 tells the browser it is signed out of the dashboard.
  it("passes the store's refusal on as 502 UNAUTHORIZED when the backend has no key", async () => {
    await expectErrorAnswer(await uploadZip(`${api(keyless)}/store/upload/zip`, await pluginZip({ name: 'nokey' })), 502, 'UNAUTHORIZED');
    await expectErrorAnswer(await request(`${api(store)}/plugins/nokey`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('refuses an upload over OKO_STORE_MAX_UPLOAD_MB with 413 before the store sees it', async () => {
    const before = fake.requests.length;
    const big = Buffer.alloc(1024 * 1024 + 1, 1);
    await expectErrorAnswer(await uploadZip(`${api(viaFake)}/store/upload/zip`, big), 413, 'PAYLOAD_TOO_LARGE');
    expect(fake.requests.length).toBe(before);
    await expectErrorAnswer(await uploadZip(`${api(keyed)}/store/upload/zip`, big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses a body that is not multipart with 415', async () => {
    await expectErrorAnswer(await post(`${api(keyed)}/store/upload/zip`, { file: 'nope' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('is not taken for a plugin id: GET /store/upload is a catalog lookup, POST /store/upload/zip an upload', async () => {
    await expectErrorAnswer(await request(`${api(keyed)}/store/upload`), 404, 'PLUGIN_NOT_FOUND');
  });
});

describe('POST /store/upload/github', () => {
  it("forwards the request body and the backend's API key to the store", async () => {
    const importBody = { repo_url: 'https://github.com/acme/widget', branch: 'main', subdirectory: 'plugin' };
    await post(`${api(viaFake)}/store/upload/github`, importBody);
    const seen = fake.requests.find((r) => r.url === '/api/v1/plugins/upload/github');
    expect(seen?.headers['x-api-key']).toBe(KEY);
    expect(JSON.parse(seen!.body.toString())).toEqual(importBody);
  });

  it("passes the store's error answer through with its status and code", async () => {
    const message = await expectErrorAnswer(
      await post(`${api(viaFake)}/store/upload/github`, { repo_url: 'ftp://x', branch: 'main' }),
      422,
      'INVALID_REPO_URL',
    );
    expect(message).toContain('github.com');
  });

  it("passes the real store's refusal on as 502 UNAUTHORIZED when the backend has no key", async () => {
    await expectErrorAnswer(
      await post(`${api(keyless)}/store/upload/github`, { repo_url: 'https://github.com/acme/widget', branch: 'main' }),
      502,
      'UNAUTHORIZED',
    );
  });

  it('refuses a body without repo_url with 400 before calling the store', async () => {
    await expectErrorAnswer(await post(`${api(keyed)}/store/upload/github`, { branch: 'main' }), 400, 'VALIDATION_FAILED');
  });
});
