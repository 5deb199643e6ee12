import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginZip, sha256 } from '../../../test-support/fixtures.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';

// The store key is lent only to this machine (README, Store integration): the backend adds its
// OKO_STORE_API_KEY to forwarded uploads, so until sign-in exists only loopback callers get them.
// inject's remoteAddress stands in for a caller on another machine.

const KEY = 'test-store-key-0123456789';
let fake: FakeStore;
let backend: TestBackend;
let zip: Buffer;

beforeAll(async () => {
  zip = await pluginZip({ name: 'lent' });
  const entry = { id: 'id_lent', name: 'lent', version: '1.0.0', size: zip.length, sha256: sha256(zip) };
  fake = await startFakeStore([{ entry, zip }]);
  backend = await buildTestBackend({ storeUrl: fake.url, env: { OKO_STORE_API_KEY: KEY } });
});
afterAll(async () => {
  await backend?.close();
  await fake?.close();
});

async function multipart(): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'plugin.zip');
  const req = new Request('http://x/', { method: 'POST', body: form });
  return { payload: Buffer.from(await req.arrayBuffer()), headers: { 'content-type': req.headers.get('content-type')! } };
}

async function uploadFrom(remoteAddress: string, route: 'zip' | 'github') {
  const body =
    route === 'zip'
      ? await multipart()
      : { payload: Buffer.from(JSON.stringify({ repo_url: 'https://github.com/o/r' })), headers: { 'content-type': 'application/json' } };
  const res = await backend.app.inject({ method: 'POST', url: `/api/v1/store/upload/${route}`, remoteAddress, ...body });
  return { status: res.statusCode, body: res.json() as unknown };
}

const forwarded = () => fake.requests.filter((r) => r.url.includes('/upload/'));

describe("uploads with the backend's store key", () => {
  it.each(['192.168.1.50', '10.0.0.7', '::ffff:172.17.0.1', 'fe80::1'])(
    'refuses both upload routes to a caller at %s with 403 UPLOAD_LOCAL_ONLY, the store never asked',
    async (address) => {
      const before = forwarded().length;
      for (const route of ['zip', 'github'] as const) {
        const message = await expectErrorAnswer(await uploadFrom(address, route), 403, 'UPLOAD_LOCAL_ONLY');
        expect(message).toContain(address);
        expect(message).toContain('loopback');
      }
      expect(forwarded().length).toBe(before);
    },
  );

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])('forwards both upload routes for a caller at %s, with the key', async (address) => {
    const before = forwarded().length;
    for (const route of ['zip', 'github'] as const) expect((await uploadFrom(address, route)).status).toBe(200);
    const sent = forwarded().slice(before);
    expect(sent.map((r) => r.url)).toEqual(['/api/v1/plugins/upload/zip', '/api/v1/plugins/upload/github']);
    for (const r of sent) expect(r.headers['x-api-key']).toBe(KEY);
  });
});
