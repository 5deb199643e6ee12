import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';

// DNS rebinding (docs/architecture.md#cross-site-guard): a page at http://attacker.example:8000 whose name is re-pointed
// at 127.0.0.1 is same-origin with itself, so it passed the cross-site rule. Until sign-in exists
// the backend answers only Host values it knows, reads included.

let backend: TestBackend;
let listed: TestBackend;
let port: string;

beforeAll(async () => {
  backend = await buildTestBackend();
  listed = await buildTestBackend({ env: { OKO_ALLOWED_HOSTS: 'dashboard.example' } });
  port = new URL(backend.url).port;
});
afterAll(async () => {
  await listed?.close();
  await backend?.close();
});

function answer(app: TestBackend, method: 'GET' | 'POST', url: string, headers: Record<string, string>) {
  return app.app.inject({ method, url, headers });
}

/** inject's answer in the shape expectErrorAnswer reads. */
async function refused(res: Awaited<ReturnType<typeof answer>>) {
  return expectErrorAnswer({ status: res.statusCode, body: res.json() }, 403, 'UNKNOWN_HOST');
}

describe('the Host guard', () => {
  it('refuses a rebound write that the cross-site rule let through (same-origin by the browser)', async () => {
    const host = `attacker.example:${port}`;
    const res = await answer(backend, 'POST', '/api/v1/store/notes/install', {
      host,
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
    });
    const message = await refused(res);
    expect(message).toContain('attacker.example');
    expect(message).toContain('OKO_ALLOWED_HOSTS');
  });

  it('refuses reads by a rebound page too: the plugin list, the docs, the UI', async () => {
    for (const url of ['/api/v1/plugins', '/docs', '/', '/api/v1/health']) {
      await refused(await answer(backend, 'GET', url, { host: `attacker.example:${port}`, 'sec-fetch-site': 'same-origin' }));
    }
  });

  it.each(['127.0.0.1', 'localhost', '[::1]', 'LocalHost'])('answers %s, with the port and without', async (name) => {
    for (const host of [`${name}:${port}`, name]) {
      const res = await answer(backend, 'GET', '/api/v1/plugins', { host });
      expect(res.statusCode, host).toBe(200);
    }
  });

  it('answers the names in OKO_ALLOWED_HOSTS, and only on the backend that lists them', async () => {
    expect((await answer(listed, 'GET', '/api/v1/plugins', { host: `dashboard.example:${port}` })).statusCode).toBe(200);
    await refused(await answer(backend, 'GET', '/api/v1/plugins', { host: `dashboard.example:${port}` }));
    await refused(await answer(listed, 'GET', '/api/v1/plugins', { host: `other.example:${port}` }));
  });

  it('answers localhost:PORT over a real socket, as a browser at http://localhost:PORT sends it', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/api/v1/plugins', headers: { host: `localhost:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
  });
});
