import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, expectRefusal, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// Without OKO_STORE_API_KEY the store's writes are open, so the cross-site write guard is what
// keeps another site's page from uploading (a multipart form post needs no preflight) or
// deleting through the user's browser. Node's fetch sends no Origin or Sec-Fetch-Site itself.

const ALLOWED = 'https://store-ui.example';
const CROSS_SITE = { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' };
let store: TestStore;

beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_ALLOWED_ORIGINS: `${ALLOWED}, http://other-ui.example:8080` } });
});
afterEach(async () => {
  await store?.close();
});

async function uploadedId(name: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await uploadZip(store, pluginZip(name), headers);
  expect(response.status).toBe(201);
  return (await json(response)).plugin_id as string;
}

describe('cross-site writes', () => {
  it('refuses a cross-site multipart upload: 403, no catalog entry, no upload folder', async () => {
    const message = await expectRefusal(store, () => uploadZip(store, pluginZip('smuggled'), CROSS_SITE), 403, 'CROSS_SITE_REQUEST');
    expect(message).toContain('OKO_STORE_ALLOWED_ORIGINS');
    expect(await catalogFile(store)).toBeNull();
  });

  it('refuses an upload from another Origin when the browser sends no Sec-Fetch-Site', async () => {
    await expectRefusal(store, () => uploadZip(store, pluginZip('smuggled'), { origin: 'http://evil.example' }), 403, 'CROSS_SITE_REQUEST');
  });

  it('refuses an upload from an opaque origin (Origin: null)', async () => {
    await expectRefusal(store, () => uploadZip(store, pluginZip('smuggled'), { origin: 'null' }), 403, 'CROSS_SITE_REQUEST');
  });

  it('refuses a cross-site GitHub import and delete, and the entry stays', async () => {
    const id = await uploadedId('kept');
    const importBody = JSON.stringify({ repo_url: 'https://github.com/octo/plugin' });
    await expectRefusal(
      store,
      () =>
        request(`${store.api}/plugins/upload/github`, {
          method: 'POST',
          headers: { ...CROSS_SITE, 'content-type': 'text/plain' },
          body: importBody,
        }),
      403,
      'CROSS_SITE_REQUEST',
    );
    await expectRefusal(
      store,
      () => request(`${store.api}/plugins/${id}`, { method: 'DELETE', headers: CROSS_SITE }),
      403,
      'CROSS_SITE_REQUEST',
    );
    expect((await request(`${store.api}/plugins/${id}`)).status).toBe(200);
  });

  it('accepts an upload from the same origin (Swagger UI at /docs, "try it out")', async () => {
    await uploadedId('same_origin', { 'sec-fetch-site': 'same-origin', origin: store.url });
  });

  it('accepts an upload without Origin and Sec-Fetch-Site (the CLI, the backend)', async () => {
    await uploadedId('no_headers');
  });

  it('accepts an upload from an origin listed in OKO_STORE_ALLOWED_ORIGINS', async () => {
    await uploadedId('allowed_cross_site', { 'sec-fetch-site': 'cross-site', origin: ALLOWED });
    await uploadedId('allowed_no_fetch_metadata', { origin: 'http://other-ui.example:8080' });
  });

  it('does not guard reads', async () => {
    await uploadedId('listed');
    const list = await request(`${store.api}/plugins`, { headers: CROSS_SITE });
    expect(list.status).toBe(200);
    expect((await json(list)).total).toBe(1);
    expect((await request(`${store.url}/docs`, { headers: CROSS_SITE })).status).toBe(200);
  });

  it('guards every route that writes, as the OpenAPI document lists them (the guard is attached per route, reads go without it)', async () => {
    const spec = (await json(await request(`${store.url}/docs/json`))) as { paths: Record<string, Record<string, unknown>> };
    const writes = Object.entries(spec.paths).flatMap(([route, methods]) =>
      Object.keys(methods)
        .filter((method) => !['get', 'head', 'options'].includes(method))
        .map((method) => [method.toUpperCase(), route.replace(/\{[^}]+\}/g, 'x')] as const),
    );
    expect(writes.map(([method, route]) => `${method} ${route}`)).toEqual(
      expect.arrayContaining(['POST /api/v1/plugins/upload/zip', 'DELETE /api/v1/plugins/x', 'POST /api/v1/plugins/x/reviews']),
    );
    for (const [method, route] of writes) {
      const answer = await request(`${store.url}${route}`, {
        method,
        headers: { ...CROSS_SITE, 'content-type': 'application/json' },
        body: '{}',
      });
      await expectErrorAnswer(answer, 403, 'CROSS_SITE_REQUEST');
    }
  });

  it('refuses a cross-site write before the API key check', async () => {
    const keyed = await buildTestStore({ env: { OKO_STORE_API_KEY: 'key-0123456789' } });
    try {
      await expectErrorAnswer(
        await uploadZip(keyed, pluginZip('keyed'), { ...CROSS_SITE, 'x-api-key': 'key-0123456789' }),
        403,
        'CROSS_SITE_REQUEST',
      );
      expect(await catalogFile(keyed)).toBeNull();
    } finally {
      await keyed.close();
    }
  });
});

describe('OKO_STORE_ALLOWED_ORIGINS', () => {
  it('refuses to start with an entry that is not an origin', async () => {
    await expect(buildTestStore({ env: { OKO_STORE_ALLOWED_ORIGINS: 'https://ok.example,*' } })).rejects.toThrow(
      /OKO_STORE_ALLOWED_ORIGINS: '\*'/,
    );
  });
});
