import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDir, pluginZip } from '../../../test-support/fixtures.js';
import { request, uploadZip } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Backend, type Dirs } from './helpers.js';

// The backend has no auth: the cross-site write guard is what keeps another site's page from
// driving it through the user's browser. Node's fetch sends no Origin or Sec-Fetch-Site of its
// own, so each test sets exactly the headers a browser would.

const ALLOWED = 'https://dash-ui.example';
const CROSS_SITE = { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' };
/** What a plain HTML form posts; no preflight guards it. */
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let dirs: Dirs;
let backend: Backend;
let store: TestStore;
let catalogId: string;
const state = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body.state as string;
const storeTotal = async () => ((await (await request(`${store.url}/api/v1/plugins`)).json()) as { total: number }).total;
const load = async (id: string) => expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).status).toBe(200);

// Each test gets its own store (holding from_store) and backend, both built in-process.
beforeEach(async () => {
  dirs = await makeDirs(['good_plugin']);
  store = await buildTestStore({ storageDir: path.join(dirs.dataDir, 'store') });
  const uploaded = await uploadZip(`${store.url}/api/v1/plugins/upload/zip`, await pluginZip({ name: 'from_store' }));
  catalogId = ((await uploaded.json()) as { plugin_id: string }).plugin_id;
  backend = await buildBackend(dirs, { OKO_STORE_URL: `${store.url}/api/v1`, OKO_ALLOWED_ORIGINS: ALLOWED });
});
afterEach(async () => {
  await backend?.stop();
  await store?.close();
  await dirs?.cleanup();
});

describe('cross-site writes', () => {
  it('refuses a cross-site form post to load a plugin, which stays discovered', async () => {
    const answer = await api(backend, 'POST', '/api/v1/plugins/good_plugin/load', 'x=1', { ...CROSS_SITE, ...FORM });
    await expectErrorAnswer(answer, 403, 'CROSS_SITE_REQUEST');
    expect(answer.body.error.message).toContain('OKO_ALLOWED_ORIGINS');
    expect(await state('good_plugin')).toBe('discovered');
  });

  it('refuses a cross-site install, and nothing is written to the plugins folder', async () => {
    const before = await listDir(dirs.pluginsDir);
    await expectErrorAnswer(
      await api(backend, 'POST', `/api/v1/store/${catalogId}/install`, undefined, CROSS_SITE),
      403,
      'CROSS_SITE_REQUEST',
    );
    expect(await listDir(dirs.pluginsDir)).toEqual(before);
  });

  it('refuses a cross-site multipart upload, and the store catalog is unchanged', async () => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await pluginZip({ name: 'smuggled' }))], { type: 'application/zip' }), 'plugin.zip');
    const response = await request(`${backend.url}/api/v1/store/upload/zip`, { method: 'POST', body: form, headers: CROSS_SITE });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CROSS_SITE_REQUEST');
    expect(await storeTotal()).toBe(1);
  });

  it('refuses a write from another Origin when the browser sends no Sec-Fetch-Site', async () => {
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/plugins/good_plugin/load', '', { origin: 'http://evil.example', 'content-type': 'text/plain' }),
      403,
      'CROSS_SITE_REQUEST',
    );
    expect(await state('good_plugin')).toBe('discovered');
  });

  it('refuses a write from an opaque origin (Origin: null)', async () => {
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/plugins/good_plugin/load', undefined, { origin: 'null' }),
      403,
      'CROSS_SITE_REQUEST',
    );
    expect(await state('good_plugin')).toBe('discovered');
  });

  it('lets the UI write from the same origin', async () => {
    const answer = await api(backend, 'POST', '/api/v1/plugins/good_plugin/load', undefined, {
      'sec-fetch-site': 'same-origin',
      origin: backend.url,
    });
    expect(answer.status).toBe(200);
    expect(await state('good_plugin')).toBe('active');
  });

  it("refuses cross-site writes to a plugin's own routes and to actions", async () => {
    await load('good_plugin');
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/plugins/good-plugin/echo', 'x=1', { ...CROSS_SITE, ...FORM }),
      403,
      'CROSS_SITE_REQUEST',
    );
    const action = JSON.stringify({ type: 'good_plugin.greet', capability: 'exec.good_plugin.greet' });
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/actions/execute', action, { ...CROSS_SITE, 'content-type': 'text/plain' }),
      403,
      'CROSS_SITE_REQUEST',
    );
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload', undefined, CROSS_SITE),
      403,
      'CROSS_SITE_REQUEST',
    );
    expect(await state('good_plugin')).toBe('active');
  });

  it('lets a plugin page call its own API from the same origin', async () => {
    await load('good_plugin');
    const answer = await api(
      backend,
      'POST',
      '/api/v1/plugins/good-plugin/echo',
      { a: 1 },
      { 'sec-fetch-site': 'same-origin', origin: backend.url },
    );
    expect(answer).toMatchObject({ status: 200, body: { body: { a: 1 } } });
  });

  it('lets a request without Origin and Sec-Fetch-Site through (curl, the CLI)', async () => {
    await load('good_plugin');
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload')).status).toBe(200);
    expect(await state('good_plugin')).toBe('discovered');
  });

  it('lets an origin listed in OKO_ALLOWED_ORIGINS write, even cross-site', async () => {
    const answer = await api(backend, 'POST', `/api/v1/store/${catalogId}/install`, undefined, {
      'sec-fetch-site': 'cross-site',
      origin: ALLOWED,
    });
    expect(answer.status).toBe(200);
    expect(await listDir(dirs.pluginsDir)).toContain('from_store');
  });

  it('does not guard reads', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/good_plugin', undefined, CROSS_SITE);
    expect(answer.status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/store', undefined, { origin: 'null' })).status).toBe(200);
  });
});
