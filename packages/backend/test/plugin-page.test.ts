import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, expectErrorAnswer, makeDirs, buildBackend, type Backend, type Dirs } from './helpers.js';

// page_available in the plugin details says whether GET /plugins/{id}/page serves a page, for a
// static/index.html page as much as for a ctx.page handler, and never disagrees with /page. A page
// is served only while its plugin is active.

let dirs: Dirs;
// Each test builds its own backend in-process on its own copies of the fixtures.
let backend: Backend;

const details = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body;
const page = (id: string) => api(backend, 'GET', `/api/v1/plugins/${id}/page`);

/** page_available and what /page answers, side by side. */
async function pageFacts(id: string) {
  const answer = await page(id);
  return { page_available: (await details(id)).page_available as boolean, served: answer.status === 200 };
}

beforeEach(async () => {
  dirs = await makeDirs(['static_page', 'static_page_off', 'good_plugin', 'other_plugin']);
  backend = await buildBackend(dirs);
});
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('page_available', () => {
  it('is false for has_page: true with static/index.html until the plugin is loaded; then /page serves that file', async () => {
    expect(await details('static_page')).toMatchObject({ state: 'discovered', has_page_handler: false, page_available: false });
    await expectErrorAnswer(await page('static_page'), 409, 'PLUGIN_NOT_ACTIVE');
    expect((await api(backend, 'POST', '/api/v1/plugins/static_page/load')).status).toBe(200);
    expect(await details('static_page')).toMatchObject({ state: 'active', page_available: true });
    const answer = await page('static_page');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).toContain('<h1>Static page fixture</h1>');
  });

  it('stays true once that plugin is active without a ctx.page handler (the load answer says so too)', async () => {
    const loaded = await api(backend, 'POST', '/api/v1/plugins/static_page/load');
    expect(loaded.body).toMatchObject({ state: 'active', has_page_handler: false, page_available: true });
    expect((await page('static_page')).body).toContain('<h1>Static page fixture</h1>');
  });

  it('is false when ui.yaml has has_page: false, even with a static/index.html, and /page answers 404', async () => {
    expect(await details('static_page_off')).toMatchObject({ page_available: false, ui: { has_page: false } });
    await expectErrorAnswer(await page('static_page_off'), 404, 'NOT_FOUND');
    expect((await api(backend, 'POST', '/api/v1/plugins/static_page_off/load')).status).toBe(200);
    await expectErrorAnswer(await page('static_page_off'), 404, 'NOT_FOUND');
    expect((await api(backend, 'GET', '/api/v1/plugins/static_page_off/static/index.html')).status).toBe(200);
  });

  it('follows a ctx.page handler: false until the plugin runs, true while it does', async () => {
    expect(await pageFacts('good_plugin')).toEqual({ page_available: false, served: false });
    const loaded = await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    expect(loaded.body).toMatchObject({ has_page_handler: true, page_available: true });
    expect(await pageFacts('good_plugin')).toEqual({ page_available: true, served: true });
    const unloaded = await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
    expect(unloaded.body).toMatchObject({ has_page_handler: false, page_available: false });
  });

  it('agrees with GET /page for every plugin, loaded or not', async () => {
    const ids = ['static_page', 'static_page_off', 'good_plugin', 'other_plugin'];
    for (const id of ids) {
      const facts = await pageFacts(id);
      expect(facts.page_available, id).toBe(facts.served);
    }
    for (const id of ids) await api(backend, 'POST', `/api/v1/plugins/${id}/load`);
    for (const id of ids) {
      const facts = await pageFacts(id);
      expect(facts.page_available, id).toBe(facts.served);
    }
  });
});
