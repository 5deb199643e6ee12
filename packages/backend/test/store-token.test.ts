import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// A backend holding OKO_STORE_TOKEN (a store dashboard token) reads the catalog and downloads with
// it; relayed uploads keep OKO_STORE_API_KEY, and without it are refused naming the variable.
const KEY = 'store-admin-key-0123456789';
let root: string;
let store: TestStore;
let proxy: http.Server;
let proxyUrl: string;
const seen: Array<{ method: string; url: string; authorization?: string; apiKey?: string }> = [];
let tokenOnly: TestBackend;
let both: TestBackend;
let dashboardToken: string;

/** Passes every request on to the store and notes the credentials it carried. */
async function recordingProxy(target: URL): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const header = req.headers['x-api-key'];
    seen.push({
      method: req.method!,
      url: req.url!,
      authorization: req.headers.authorization,
      apiKey: typeof header === 'string' ? header : undefined,
    });
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  root = await tempDir('store-token');
  store = await buildTestStore({ storageDir: path.join(root, 'store'), env: { OKO_STORE_API_KEY: KEY } });
  const created = await request(`${api(store)}/publishers`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'home-dashboard', kind: 'dashboard' }),
  });
  dashboardToken = ((await created.json()) as { token: string }).token;
  expect(
    (
      await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name: 'token_read', version: '1.0.0' }), {
        headers: { 'x-api-key': KEY },
      })
    ).status,
  ).toBe(201);
  proxy = await recordingProxy(new URL(store.url));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/v1`;
  const dirs = (name: string) => ({ pluginsDir: path.join(root, name, 'plugins'), dataDir: path.join(root, name, 'data') });
  tokenOnly = await buildTestBackend({ storeUrl: proxyUrl, ...dirs('token'), env: { OKO_STORE_TOKEN: dashboardToken } });
  both = await buildTestBackend({ storeUrl: proxyUrl, ...dirs('both'), env: { OKO_STORE_TOKEN: dashboardToken, OKO_STORE_API_KEY: KEY } });
});

afterAll(async () => {
  for (const app of [both, tokenOnly, store]) await app?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await removeDir(root);
});

describe('the backend with OKO_STORE_TOKEN', () => {
  it('reads the catalog and downloads with the dashboard token, never the admin key', async () => {
    seen.length = 0;
    const listed = await getJson<{ plugins: Array<{ name: string; publisher?: string }> }>(`${api(both)}/store`);
    expect(listed.body.plugins.map((p) => p.name)).toContain('token_read');
    const installed = await post(`${api(both)}/store/token_read/install`);
    expect(installed.status).toBe(200);
    const reads = seen.filter((r) => r.method === 'GET');
    expect(reads.some((r) => r.url.endsWith('/download'))).toBe(true);
    for (const read of reads) expect(read).toMatchObject({ authorization: `Bearer ${dashboardToken}`, apiKey: undefined });
  });

  it('relays uploads with OKO_STORE_API_KEY when both are set', async () => {
    seen.length = 0;
    const res = await uploadZip(`${api(both)}/store/upload/zip`, await pluginZip({ name: 'relayed_by_key', version: '1.0.0' }));
    expect(res.status).toBe(201);
    const upload = seen.find((r) => r.method === 'POST')!;
    expect(upload).toMatchObject({ apiKey: KEY, authorization: undefined });
  });

  it('without OKO_STORE_API_KEY, a relayed upload is refused with a message naming what to set', async () => {
    const res = await uploadZip(`${api(tokenOnly)}/store/upload/zip`, await pluginZip({ name: 'relayed_by_token', version: '1.0.0' }));
    const message = await expectErrorAnswer(res, 502, 'UNAUTHORIZED');
    expect(message).toContain('OKO_STORE_TOKEN');
    expect(message).toContain('OKO_STORE_API_KEY');
  });
});
