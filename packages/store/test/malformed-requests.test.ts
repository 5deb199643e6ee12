import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, expectRefusal, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// Broken requests get a 4xx in the one error shape, never a 500 or Fastify's own shape, and leave
// the catalog and uploads/ as they were.

let store: TestStore;

// A store per test; it listens too, for the paths that must reach it byte for byte.
beforeEach(async () => {
  store = await buildTestStore();
  expect((await uploadZip(store, pluginZip('kept_plugin', '1.0.0'))).status).toBe(201);
});
afterEach(async () => {
  await store?.close();
});

// Over the socket: a body cut off mid-part reaches the parser as a real client sends it, which
// inject() (a body that simply ends) does not reproduce.
function postMultipart(contentType: string, body: string): () => Promise<Response> {
  return () => fetch(`${store.api}/plugins/upload/zip`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** A GET whose path is sent byte for byte (fetch would normalise it). */
function rawGet(rawPath: string): Promise<Response> {
  const { hostname, port } = new URL(store.url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: hostname, port, path: rawPath }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve(new Response(text, { status: res.statusCode ?? 0, headers: { 'content-type': String(res.headers['content-type']) } })),
        );
      })
      .on('error', reject);
  });
}

describe('malformed multipart uploads', () => {
  it('refuses multipart/form-data without a boundary with 400', async () => {
    expect(await expectRefusal(store, postMultipart('multipart/form-data', 'x'), 400, 'BAD_REQUEST')).toMatch(/multipart/);
  });

  it('refuses a body that ends before its closing boundary with 400', async () => {
    await expectRefusal(store, postMultipart('multipart/form-data; boundary=zz', '--zz\r\nbroken'), 400, 'BAD_REQUEST');
  });

  it('refuses a file part that is cut off mid-way with 400, every time', async () => {
    const body =
      '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\nContent-Type: application/zip\r\n\r\nPK\u0003\u0004 not all of it';
    for (let i = 0; i < 3; i++) await expectRefusal(store, postMultipart('multipart/form-data; boundary=zz', body), 400, 'BAD_REQUEST');
    expect((await uploadZip(store, pluginZip('after_broken', '1.0.0'))).status).toBe(201);
  });
});

describe('paging values out of range', () => {
  it.each(['page=1e400', 'page=Infinity', 'per_page=1e400', 'page=1000001', 'page=0', 'per_page=201'])(
    'answers ?%s with 400 VALIDATION_FAILED',
    async (query) => {
      await expectErrorAnswer(await request(`${store.api}/plugins?${query}`), 400, 'VALIDATION_FAILED');
    },
  );

  it('still answers the highest page allowed, empty', async () => {
    expect(await json(await request(`${store.api}/plugins?page=1000000`))).toMatchObject({ plugins: [], page: 1000000 });
  });
});

describe('paths the router refuses', () => {
  it('answers an id longer than the router allows with 414 in the error shape', async () => {
    const long = 'a'.repeat(150);
    await expectErrorAnswer(await rawGet(`/api/v1/plugins/${long}`), 414, 'BAD_REQUEST');
    await expectErrorAnswer(await rawGet(`/api/v1/plugins/${long}/download`), 414, 'BAD_REQUEST');
  });

  it('answers a path that is not valid percent-encoding with 400 in the error shape', async () => {
    await expectErrorAnswer(await rawGet('/api/v1/plugins/%zz'), 400, 'BAD_REQUEST');
  });

  it('refuses ids that try to leave the catalog with 400', async () => {
    for (const id of ['..%2F..%2Fetc', '%2e%2e', 'a%2Fb', '..']) {
      await expectErrorAnswer(await rawGet(`/api/v1/plugins/${id}/path`), 400, 'VALIDATION_FAILED');
    }
  });
});
