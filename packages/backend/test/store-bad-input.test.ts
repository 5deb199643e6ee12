import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginFiles, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, post, request } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore } from '../../../test-support/store-app.js';

// Bad input to /api/v1/store: a 4xx in the one error shape, decided by the backend before a
// request reaches the store (the fake store records every request it gets).

let root: string;
let fake: FakeStore;
let backend: TestBackend;
let pluginsDir: string;

beforeAll(async () => {
  root = await tempDir('store-bad-input');
  pluginsDir = path.join(root, 'plugins');
  fake = await startFakeStore([]);
  // With the built web UI served, as in production: its catch-all route decides some of the 404s below.
  const frontendDir = path.resolve(import.meta.dirname, '../../frontend/dist');
  backend = await buildTestBackend({
    storeUrl: fake.url,
    pluginsDir,
    dataDir: path.join(root, 'data'),
    env: { OKO_FRONTEND_DIR: frontendDir },
  });
});

afterAll(async () => {
  await backend?.close();
  await fake?.close();
  await removeDir(root);
});

/** A request whose path is sent byte for byte (fetch would normalise `..` and `%2e%2e` away). */
function raw(service: { url: string }, method: string, rawPath: string): Promise<Response> {
  const { hostname, port } = new URL(service.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: hostname, port, method, path: rawPath }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(new Response(text, { status: res.statusCode ?? 0 })));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('ids that are not catalog ids or plugin names', () => {
  it.each([
    ['GET', '/api/v1/store/%2e%2e'],
    ['GET', '/api/v1/store/..%2F..%2Fetc'],
    ['POST', '/api/v1/store/%2e%2e/install'],
    ['POST', '/api/v1/store/..%2F..%2Fetc/install'],
    ['POST', '/api/v1/store/a%2Fb/uninstall'],
    ['POST', '/api/v1/store/A%20B/install'],
  ])('%s %s answers 400 VALIDATION_FAILED without asking the store', async (method, rawPath) => {
    const before = fake.requests.length;
    await expectErrorAnswer(await raw(backend, method, rawPath), 400, 'VALIDATION_FAILED');
    expect(fake.requests.length).toBe(before);
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it('answers an id longer than the router allows with 414 in the error shape', async () => {
    const long = 'a'.repeat(150);
    await expectErrorAnswer(await raw(backend, 'GET', `/api/v1/store/${long}`), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await raw(backend, 'POST', `/api/v1/store/${long}/install`), 414, 'BAD_REQUEST');
    await expectErrorAnswer(await raw(backend, 'POST', `/api/v1/store/${long}/uninstall`), 414, 'BAD_REQUEST');
  });

  it('answers a path that is not valid percent-encoding with 400 in the error shape', async () => {
    await expectErrorAnswer(await raw(backend, 'GET', '/api/v1/store/%zz'), 400, 'BAD_REQUEST');
  });
});

describe('GET /store paging values out of range', () => {
  it.each(['page=1e400', 'page=Infinity', 'per_page=1e400', 'page=1000001', 'page=0', 'per_page=201', 'q=' + 'x'.repeat(201)])(
    '?%s answers 400 VALIDATION_FAILED without asking the store',
    async (query) => {
      const before = fake.requests.length;
      await expectErrorAnswer(await request(`${api(backend)}/store?${query}`), 400, 'VALIDATION_FAILED');
      expect(fake.requests.length).toBe(before);
    },
  );
});

describe('OpenAPI at /docs', () => {
  it('lists every /store endpoint with its schemas and error answers', async () => {
    const spec = (await (await request(`${backend.url}/docs/json`)).json()) as { paths: Record<string, Record<string, any>> };
    const ops: Array<[string, string, string[]]> = [
      ['get', '/api/v1/store', ['200', '400']],
      ['get', '/api/v1/store/health', ['200']],
      ['get', '/api/v1/store/{plugin_id}', ['200', '400', '404', '503']],
      ['post', '/api/v1/store/{plugin_id}/install', ['200', '400', '404', '409', '422', '500', '503', '507']],
      ['post', '/api/v1/store/{plugin_id}/update', ['200', '400', '404', '409', '422', '500', '503', '507']],
      ['post', '/api/v1/store/{plugin_id}/uninstall', ['200', '400', '404', '409', '500']],
      ['post', '/api/v1/store/upload/zip', ['201', '400', '413', '415']],
      ['post', '/api/v1/store/upload/github', ['201', '400', '404', '409', '422', '502', '503']],
    ];
    for (const [method, route, statuses] of ops) {
      const op = spec.paths[route]?.[method];
      expect(op, `${method} ${route}`).toBeDefined();
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(statuses));
    }
    expect(
      spec.paths['/api/v1/store/{plugin_id}/install']!.post.responses['409'].content['application/json'].schema.properties.error,
    ).toBeDefined();
    expect(spec.paths['/api/v1/store/upload/zip']!.post.requestBody.content['multipart/form-data'].schema).toMatchObject({
      required: ['file'],
    });
    expect(spec.paths['/api/v1/store/upload/github']!.post.requestBody.content['application/json'].schema.required).toContain('repo_url');
  });
});

describe('a malformed upload forwarded to a real store', () => {
  it("passes on the store's 400, not a 500", async () => {
    const store = await buildTestStore({ storageDir: path.join(root, 'store') });
    const viaReal = await buildTestBackend({
      storeUrl: api(store),
      pluginsDir: path.join(root, 'real', 'plugins'),
      dataDir: path.join(root, 'real', 'data'),
    });
    try {
      const body = '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\nPK\u0003\u0004 cut off';
      const res = await request(`${api(viaReal)}/store/upload/zip`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=zz' },
        body,
      });
      await expectErrorAnswer(res, 400, 'BAD_REQUEST');
      expect(await listDir(path.join(root, 'store', 'uploads'))).toEqual([]);
    } finally {
      await viaReal.close();
      await store.close();
    }
  });
});

describe('uninstall of a plugin built into the backend', () => {
  it('answers 409 ILLEGAL_TRANSITION and leaves it in place', async () => {
    const builtinDir = path.join(root, 'builtin');
    await mkdir(path.join(builtinDir, 'shipped'), { recursive: true });
    for (const [name, content] of Object.entries(pluginFiles({ name: 'shipped' })))
      await writeFile(path.join(builtinDir, 'shipped', name), content);
    const withBuiltin = await buildTestBackend({
      storeUrl: fake.url,
      pluginsDir: path.join(root, 'builtin-backend', 'plugins'),
      dataDir: path.join(root, 'builtin-backend', 'data'),
      env: { OKO_BUILTIN_PLUGINS_DIR: builtinDir },
    });
    try {
      await expectErrorAnswer(await post(`${api(withBuiltin)}/store/shipped/uninstall`), 409, 'ILLEGAL_TRANSITION');
      expect(await listDir(path.join(builtinDir, 'shipped'))).toContain('manifest.json');
      const plugin = (await (await request(`${api(withBuiltin)}/plugins/shipped`)).json()) as { scope: string };
      expect(plugin.scope).toBe('builtin');
    } finally {
      await withBuiltin.close();
    }
  });
});
