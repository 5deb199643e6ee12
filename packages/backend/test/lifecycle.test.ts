import { readdir, readFile, rm, stat, writeFile, cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildBackend, eventually, expectErrorAnswer, FIXTURES, makeDirs, rawRequest, type Backend, type Dirs } from './helpers.js';

let dirs: Dirs;
let backend: Backend;
const state = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body.state as string;

// One backend built in-process on fresh copies of the fixtures; a test that changes a plugin's
// state or files puts them back, so none depends on what another did.
beforeAll(async () => {
  dirs = await makeDirs(['good_plugin', 'other_plugin', 'invalid_manifest', 'page_invalid', 'page_incompatible', 'page_undeclared']);
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('discovery', () => {
  it('lists every plugin folder, valid ones as discovered and an invalid manifest as error with the reason', async () => {
    const { status, body } = await api(backend, 'GET', '/api/v1/plugins');
    expect(status).toBe(200);
    expect(body.total).toBe(6);
    const good = body.plugins.find((p: any) => p.id === 'good_plugin');
    expect(good).toMatchObject({
      name: 'good_plugin',
      version: '1.0.0',
      state: 'discovered',
      scope: 'external',
      ui: { has_page: true, api_prefix: 'good-plugin' },
    });
    const invalid = body.plugins.find((p: any) => p.id === 'invalid_manifest');
    expect(invalid.state).toBe('error');
    expect(invalid.error.reason).toContain('manifest.json: version: not a semver version');
  });

  it('sees folders added and removed while running, and stops a removed active plugin', async () => {
    const late = path.join(dirs.pluginsDir, 'late_plugin');
    await mkdir(late);
    await writeFile(path.join(late, 'manifest.json'), JSON.stringify({ name: 'late_plugin', version: '0.1.0' }));
    await writeFile(path.join(late, 'index.js'), "export function setup(ctx) { ctx.routes.get('/hi', () => 'hi'); }");
    expect(await state('late_plugin')).toBe('discovered');
    expect((await api(backend, 'POST', '/api/v1/plugins/late_plugin/load')).status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/plugins/late-plugin/hi')).body).toBe('hi');
    await rm(late, { recursive: true });
    const list = await api(backend, 'GET', '/api/v1/plugins');
    expect(list.body.plugins.map((p: any) => p.id)).not.toContain('late_plugin');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/late-plugin/hi'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/late_plugin'), 404, 'PLUGIN_NOT_FOUND');
  });

  it('skips staging folders whose name starts with a dot', async () => {
    await cp(path.join(FIXTURES, 'other_plugin'), path.join(dirs.pluginsDir, '.staging-other'), { recursive: true });
    const list = await api(backend, 'GET', '/api/v1/plugins');
    expect(list.body.plugins.map((p: any) => p.id)).not.toContain('.staging-other');
    await rm(path.join(dirs.pluginsDir, '.staging-other'), { recursive: true });
  });

  it('takes a plugin out of error once its manifest is fixed on disk', async () => {
    const file = path.join(dirs.pluginsDir, 'invalid_manifest', 'manifest.json');
    const broken = await readFile(file, 'utf8');
    await writeFile(file, JSON.stringify({ name: 'invalid_manifest', version: '1.0.0' }));
    expect(await state('invalid_manifest')).toBe('discovered');
    await writeFile(file, broken);
    expect(await state('invalid_manifest')).toBe('error');
  });
});

describe('lifecycle', () => {
  it('loads, unloads, disables and enables, answering the new state each time', async () => {
    const loaded = await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({
      state: 'active',
      actions: ['good_plugin.greet'],
      has_page_handler: true,
      subscriptions: ['fixture.topic'],
    });
    expect(loaded.body.routes).toContainEqual({ method: 'GET', path: '/ping', url: '/api/v1/plugins/good-plugin/ping' });
    expect(typeof loaded.body.loaded_at).toBe('string');

    const unloaded = await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
    expect(unloaded.body).toMatchObject({ state: 'discovered', routes: [], actions: [] });
    // teardown ran in the host before it ended
    await stat(path.join(dirs.dataDir, 'plugins', 'good_plugin', 'teardown.txt'));

    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/disable')).body.state).toBe('disabled');
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/enable')).body.state).toBe('discovered');
  });

  it('disables an active plugin by stopping it first', async () => {
    await api(backend, 'POST', '/api/v1/plugins/other_plugin/load');
    expect((await api(backend, 'POST', '/api/v1/plugins/other_plugin/disable')).body.state).toBe('disabled');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping'), 404, 'ROUTE_NOT_FOUND');
    // Enable puts it back as it was: running.
    expect((await api(backend, 'POST', '/api/v1/plugins/other_plugin/enable')).body.state).toBe('active');
    await api(backend, 'POST', '/api/v1/plugins/other_plugin/unload');
  });

  // [state to set up, operation] pairs the state machine refuses
  const illegal: Array<[string, string, RegExp]> = [
    ['discovered', 'unload', /it is discovered/],
    ['discovered', 'reload', /it is discovered/],
    ['discovered', 'enable', /it is discovered/],
    ['active', 'load', /it is active/],
    ['active', 'enable', /it is active/],
    ['disabled', 'load', /disabled; enable it first/],
    ['disabled', 'unload', /disabled/],
    ['disabled', 'reload', /disabled/],
    ['disabled', 'disable', /disabled/],
    ['error', 'unload', /it is error/],
    ['error', 'enable', /it is error/],
  ];
  it.each(illegal)('refuses from %s the operation %s with 409 and the reason', async (from, operation, reason) => {
    const id = from === 'error' ? 'invalid_manifest' : 'other_plugin';
    if (from === 'active') await api(backend, 'POST', `/api/v1/plugins/${id}/load`);
    if (from === 'disabled') await api(backend, 'POST', `/api/v1/plugins/${id}/disable`);
    try {
      expect(await state(id)).toBe(from);
      const answer = await api(backend, 'POST', `/api/v1/plugins/${id}/${operation}`);
      await expectErrorAnswer(answer, 409, 'ILLEGAL_TRANSITION');
      expect(answer.body.error.message).toMatch(reason);
      expect(await state(id)).toBe(from);
    } finally {
      if (from === 'active') await api(backend, 'POST', `/api/v1/plugins/${id}/unload`);
      if (from === 'disabled') await api(backend, 'POST', `/api/v1/plugins/${id}/enable`);
    }
  });

  it.each(['load', 'unload', 'reload', 'enable', 'disable'])('answers 404 for %s of an unknown plugin', async (operation) => {
    await expectErrorAnswer(await api(backend, 'POST', `/api/v1/plugins/no_such_plugin/${operation}`), 404, 'PLUGIN_NOT_FOUND');
  });

  it.each(['', '/manifest', '/page', '/static/app.js'])('answers 404 PLUGIN_NOT_FOUND for GET %s of an unknown plugin', async (suffix) => {
    await expectErrorAnswer(await api(backend, 'GET', `/api/v1/plugins/no_such_plugin${suffix}`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('reload runs the code as it is now on disk', async () => {
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    expect((await api(backend, 'GET', '/api/v1/plugins/good-plugin/version')).body).toEqual({ version: 'v1' });
    const file = path.join(dirs.pluginsDir, 'good_plugin', 'index.js');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace("CODE_VERSION = 'v1'", "CODE_VERSION = 'v2'"));
    try {
      expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/reload')).body.state).toBe('active');
      expect((await api(backend, 'GET', '/api/v1/plugins/good-plugin/version')).body).toEqual({ version: 'v2' });
    } finally {
      await writeFile(file, original);
      await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
    }
  });
});

describe('plugin routes, actions, events and pages', () => {
  beforeAll(async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/load')).status).toBe(200);
    expect((await api(backend, 'POST', '/api/v1/plugins/other_plugin/load')).status).toBe(200);
  });
  afterAll(async () => {
    for (const id of ['good_plugin', 'other_plugin']) await api(backend, 'POST', `/api/v1/plugins/${id}/unload`);
  });

  it('passes params, query, body and headers to the route and returns its status, headers and body', async () => {
    expect((await api(backend, 'GET', '/api/v1/plugins/good-plugin/hello/ada?x=1&x=2&y=3')).body).toEqual({
      hello: 'ada',
      query: { x: ['1', '2'], y: '3' },
    });
    const echo = await api(backend, 'POST', '/api/v1/plugins/good-plugin/echo', { a: [1, 2] }, { 'x-test': 'yes' });
    expect(echo.body).toEqual({ body: { a: [1, 2] }, method: 'POST', header: 'yes' });
    const created = await api(backend, 'PUT', '/api/v1/plugins/good-plugin/created');
    expect(created.status).toBe(201);
    expect(created.headers.get('x-plugin')).toBe('good');
    expect(created.body).toEqual({ created: true });
    const text = await api(backend, 'GET', '/api/v1/plugins/good-plugin/text');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.body).toBe('plain words');
    const ctx = await api(backend, 'GET', '/api/v1/plugins/good-plugin/ctx');
    expect(ctx.body).toEqual({
      id: 'good_plugin',
      manifestName: 'good_plugin',
      prefix: null,
      dataDir: path.join(dirs.dataDir, 'plugins', 'good_plugin'),
    });
  });

  it('answers 502 when a route handler throws, and the plugin stays active', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/good-plugin/fails');
    await expectErrorAnswer(answer, 502, 'PLUGIN_ROUTE_FAILED');
    expect(answer.body.error.message).toContain('handler broke on purpose');
    expect(await state('good_plugin')).toBe('active');
  });

  it('answers 404 for a path the plugin did not register, and for an unknown prefix', async () => {
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good-plugin/nope'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(backend, 'DELETE', '/api/v1/plugins/good-plugin/ping'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/nobody-here/ping'), 404, 'ROUTE_NOT_FOUND');
  });

  it('gives management sub-paths precedence over plugin routes, and forwards the rest', async () => {
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin/manifest')).body.plugin_id).toBe('good_plugin');
    // GET .../load is not a management route: it goes to the plugin, which has no such route
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good-plugin/load'), 404, 'ROUTE_NOT_FOUND');
    expect((await api(backend, 'GET', '/api/v1/plugins/registry')).body).toHaveProperty('menu');
  });

  it('runs an action whose capability is declared, and refuses the rest', async () => {
    const ok = await api(backend, 'POST', '/api/v1/actions/execute', {
      type: 'good_plugin.greet',
      capability: 'exec.good_plugin.greet',
      payload: { name: 'ada' },
      requested_at: '2025-01-01T00:00:00Z',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      type: 'good_plugin.greet',
      plugin_id: 'good_plugin',
      result: { greeting: 'hello ada', meta: { requested_at: '2025-01-01T00:00:00Z' } },
    });
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/actions/execute', { type: 'good_plugin.greet', capability: 'read.good_plugin.items' }),
      403,
      'CAPABILITY_NOT_DECLARED',
    );
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/actions/execute', { type: 'nobody.does_this', capability: 'exec.nobody.does_this' }),
      404,
      'ACTION_NOT_FOUND',
    );
    await expectErrorAnswer(await api(backend, 'POST', '/api/v1/actions/execute', { capability: 'exec.x.y' }), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/actions/execute', '{"type": ', { 'content-type': 'application/json' }),
      400,
      'BAD_REQUEST',
    );
    const registry = await api(backend, 'GET', '/api/v1/actions/registry');
    expect(registry.body).toEqual({
      actions: [{ type: 'good_plugin.greet', capability: 'exec.good_plugin.greet', plugin_id: 'good_plugin' }],
      total: 1,
    });
  });

  it('delivers events through the backend bus to every subscribed plugin', async () => {
    await api(backend, 'POST', '/api/v1/plugins/good-plugin/emit', { n: 1 });
    const other = await eventually(
      () => api(backend, 'GET', '/api/v1/plugins/other-plugin/events'),
      (a) => a.body.received.length > 0,
    );
    expect(other.body.received).toEqual([{ data: { n: 1 }, source: 'good_plugin' }]);
    const self = await eventually(
      () => api(backend, 'GET', '/api/v1/plugins/good-plugin/events'),
      (a) => a.body.received.length > 0,
    );
    expect(self.body.received).toEqual([{ data: { n: 1 }, source: 'good_plugin' }]);
  });

  it('lists menu entries, widgets and capabilities of active plugins in the registry', async () => {
    const { body } = await api(backend, 'GET', '/api/v1/plugins/registry');
    expect(body.menu).toEqual([
      { plugin_id: 'good_plugin', title: 'Good plugin', icon: 'star', group: 'Fixtures', order: 5, path: '/plugins/good_plugin' },
    ]);
    expect(body.widgets).toEqual([expect.objectContaining({ id: 'pings', plugin_id: 'good_plugin' })]);
    expect(body.capabilities).toContainEqual({ capability: 'exec.good_plugin.greet', plugin_id: 'good_plugin' });
  });

  it('serves the page from ctx.page, and static files path-safely', async () => {
    const page = await api(backend, 'GET', '/api/v1/plugins/good_plugin/page');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('<h1>Good plugin page</h1>');
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin/static/sub/file.txt')).body).toBe('nested\n');
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin/static/app.js')).headers.get('content-type')).toMatch(/javascript/);
    for (const escape of ['%2e%2e/manifest.json', '..%2fmanifest.json', 'sub/%2e%2e/%2e%2e/index.js', '%2Fetc%2Fpasswd', 'missing.txt']) {
      await expectErrorAnswer(await rawRequest(backend, 'GET', `/api/v1/plugins/good_plugin/static/${escape}`), 404, 'NOT_FOUND');
    }
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/other_plugin/page'), 404, 'NOT_FOUND');
  });

  it('answers 404 for routes, actions and the page code once the plugin is unloaded', async () => {
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good-plugin/ping'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(
      await api(backend, 'POST', '/api/v1/actions/execute', { type: 'good_plugin.greet', capability: 'exec.good_plugin.greet' }),
      404,
      'ACTION_NOT_FOUND',
    );
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good_plugin/page'), 404, 'NOT_FOUND');
    expect((await api(backend, 'GET', '/api/v1/actions/registry')).body.total).toBe(0);
    expect((await api(backend, 'GET', '/api/v1/plugins/registry')).body.menu).toEqual([]);
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/load')).status).toBe(200);
  });
});

describe('page manifests', () => {
  it('accepts a valid page manifest, unknown component types included', async () => {
    const { body } = await api(backend, 'GET', '/api/v1/plugins/good_plugin/manifest');
    expect(body.negotiation).toEqual({ accepted: true, fallback_used: false, reason: 'page manifest accepted', errors: [] });
    expect(body.manifest.page.components.map((c: any) => c.type)).toEqual(['text', 'data-table', 'hologram']);
  });

  it.each([
    ['other_plugin', /not found/, null],
    ['page_invalid', /invalid/, 'page.layout'],
    ['page_incompatible', /incompatible/, 'manifest_version'],
    ['page_undeclared', /invalid/, 'page.components.1.capability'],
    ['invalid_manifest', /manifest.json is invalid/, 'version'],
  ])('gives %s a disabled fallback page with the reason', async (id, reason, errorPath) => {
    const { status, body } = await api(backend, 'GET', `/api/v1/plugins/${id}/manifest`);
    expect(status).toBe(200);
    expect(body.plugin_id).toBe(id);
    expect(body.manifest.page).toEqual({ enabled: false, layout: 'content-only', components: [] });
    expect(body.negotiation).toMatchObject({ accepted: false, fallback_used: true });
    expect(body.negotiation.reason).toMatch(reason);
    if (errorPath) expect(body.negotiation.errors.map((e: any) => e.path)).toContain(errorPath);
  });

  it('still loads a plugin whose page manifest is broken', async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/page_invalid/load')).body.state).toBe('active');
    await api(backend, 'POST', '/api/v1/plugins/page_invalid/unload');
  });
});

describe('ids that are not plugin names', () => {
  const bad = ['..', '%2e%2e', '%2E%2E', 'a%2Fb', '..%2F..%2Fetc', 'Upper', 'x', 'a'.repeat(65), 'has-dash'];
  it.each(bad)('answers 400 INVALID_PLUGIN_ID for %s and touches nothing', async (id) => {
    const before = await readdir(dirs.pluginsDir);
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/load'],
      ['POST', '/unload'],
      ['POST', '/disable'],
      ['GET', '/manifest'],
      ['GET', '/page'],
      ['GET', '/static/x.js'],
    ] as const) {
      await expectErrorAnswer(await rawRequest(backend, method, `/api/v1/plugins/${id}${suffix}`), 400, 'INVALID_PLUGIN_ID');
    }
    expect(await readdir(dirs.pluginsDir)).toEqual(before);
  });
});

describe('service', () => {
  it('answers health, info and OpenAPI docs', async () => {
    expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    const info = await api(backend, 'GET', '/api/v1/info');
    expect(info.body).toMatchObject({
      plugins_dir: dirs.pluginsDir,
      data_dir: dirs.dataDir,
      store_url: 'http://127.0.0.1:8001/api/v1',
      node: process.version,
    });
    const docs = await api(backend, 'GET', '/docs/json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/plugins', '/api/v1/plugins/{id}/load', '/api/v1/actions/execute']),
    );
  });

  it('answers unknown API paths with the error shape', async () => {
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
  });
});
