import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendProcess } from '../../../test-support/processes.js';
import { api, eventually, expectErrorAnswer, makeDirs, startBackendProcess, type Dirs } from './helpers.js';

// Plugin hosts misbehaving inside a real backend process (its log included), started once on fresh
// copies of the fixtures; each test works on plugins of its own. Load timeout 2000 ms, call timeout 1500 ms, 48 MB
// per host (helpers.ts). Bounds below are generous on purpose: the machine is shared.
const LOAD_BOUND_MS = 12_000;

let dirs: Dirs;
let backend: BackendProcess;
const details = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body;
/** Staging or trash folders a failure might leave in the plugins folder. */
const strayEntries = async () => (await readdir(dirs.pluginsDir)).filter((name) => name.startsWith('.'));
const persisted = async () => JSON.parse(await readFile(path.join(dirs.dataDir, 'plugin-states.json'), 'utf8'));

const FAILING = [
  'setup_throws',
  'setup_hangs',
  'setup_loops',
  'oom_plugin',
  'missing_entry',
  'invalid_manifest',
  'undeclared_capability',
  'setup_forges_message',
];

// other_plugin is the bystander that must keep answering.
beforeAll(async () => {
  dirs = await makeDirs(['other_plugin', 'good_plugin', ...FAILING, 'route_loops', 'forged_message']);
  // The first death quarantines (crash-restarts.test.ts covers the restarts): a host ended for
  // misbehaving leaves its reason in the plugin's state, which is what these tests read.
  backend = await startBackendProcess(dirs, { OKO_PLUGIN_QUARANTINE_CRASHES: '1' });
  expect((await api(backend, 'POST', '/api/v1/plugins/other_plugin/load')).status).toBe(200);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('a plugin that fails to load ends in error with the reason', () => {
  it.each([
    ['setup_throws', /setup failed: database unreachable/],
    ['setup_hangs', /setup did not finish within 2000 ms/],
    ['setup_loops', /setup did not finish within 2000 ms/],
    ['oom_plugin', /ran out of memory \(limit 48 MB\)/],
    ['missing_entry', /entry file dist\/plugin.js not found/],
    ['invalid_manifest', /manifest.json: version: not a semver version/],
    [
      'undeclared_capability',
      /CAPABILITY_NOT_DECLARED: action 'undeclared_capability.sneaky' needs capability 'exec.undeclared_capability.sneaky'/,
    ],
    ['setup_forges_message', /the plugin host sent an invalid 'log' message \(.*level: must be one of debug, info, warn, error/],
  ])('%s', async (id, reason) => {
    const started = Date.now();
    const answer = await api(backend, 'POST', `/api/v1/plugins/${id}/load`);
    expect(Date.now() - started).toBeLessThan(LOAD_BOUND_MS);
    await expectErrorAnswer(answer, 422, 'PLUGIN_LOAD_FAILED');
    expect(answer.body.error.message).toMatch(reason);

    const plugin = await details(id);
    expect(plugin.state).toBe('error');
    expect(plugin.error.reason).toMatch(reason);
    // nothing left behind: no routes, actions, registry entries, nor a place in the active set
    expect(plugin).toMatchObject({ routes: [], actions: [], subscriptions: [] });
    expect((await api(backend, 'GET', '/api/v1/actions/registry')).body.actions.map((a: any) => a.plugin_id)).not.toContain(id);
    expect((await persisted()).active).not.toContain(id);
    expect(await strayEntries()).toEqual([]);
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });

  it('keeps serving other plugins while a setup loops forever', async () => {
    const loading = api(backend, 'POST', '/api/v1/plugins/setup_loops/load');
    let loadDone = false;
    void loading.then(() => (loadDone = true));
    expect(
      (
        await eventually(
          () => details('setup_loops'),
          (plugin) => plugin.state !== 'discovered',
        )
      ).state,
    ).toBe('loading');
    const ping = await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping');
    expect(ping.body).toEqual({ pong: 'other' });
    expect(loadDone).toBe(false);
    await expectErrorAnswer(await loading, 422, 'PLUGIN_LOAD_FAILED');
  });

  it('refuses a second operation on a loading plugin with 409 once the first ends', async () => {
    const first = api(backend, 'POST', '/api/v1/plugins/setup_hangs/load');
    const second = api(backend, 'POST', '/api/v1/plugins/setup_hangs/unload');
    await expectErrorAnswer(await first, 422, 'PLUGIN_LOAD_FAILED');
    await expectErrorAnswer(await second, 409, 'ILLEGAL_TRANSITION');
  });

  it('can load a failed plugin again once its code is fixed', async () => {
    // A plugin of its own: setup_throws must keep failing for the case above.
    const { cp, writeFile } = await import('node:fs/promises');
    const dir = path.join(dirs.pluginsDir, 'fixable_plugin');
    await cp(path.join(dirs.pluginsDir, 'setup_throws'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name: 'fixable_plugin' }));
    await expectErrorAnswer(await api(backend, 'POST', '/api/v1/plugins/fixable_plugin/load'), 422, 'PLUGIN_LOAD_FAILED');
    await writeFile(path.join(dir, 'index.js'), "export function setup(ctx) { ctx.routes.get('/fixed', () => ({ fixed: true })); }");
    expect((await api(backend, 'POST', '/api/v1/plugins/fixable_plugin/reload')).body.state).toBe('active');
    expect((await api(backend, 'GET', '/api/v1/plugins/fixable-plugin/fixed')).body).toEqual({ fixed: true });
  });
});

describe('a route handler that loops forever', () => {
  it('times out with 504, ends that plugin in error, and never blocks the backend or other plugins', async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/route_loops/load')).status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/plugins/route-loops/ok')).body).toEqual({ ok: true });

    const looping = api(backend, 'GET', '/api/v1/plugins/route-loops/loop');
    let loopDone = false;
    void looping.then(() => (loopDone = true));
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
    expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    expect(loopDone).toBe(false);

    const answer = await looping;
    await expectErrorAnswer(answer, 504, 'PLUGIN_TIMEOUT');
    const plugin = await details('route_loops');
    expect(plugin.state).toBe('error');
    expect(plugin.error.reason).toMatch(/route GET \/loop did not answer within 1500 ms and the plugin host stopped responding/);
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/route-loops/ok'), 404, 'ROUTE_NOT_FOUND');
    expect((await persisted()).active).not.toContain('route_loops');
    expect(await strayEntries()).toEqual([]);
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });

  it('keeps a plugin whose handler is slow but whose host still answers', async () => {
    await writeSlowPlugin();
    expect((await api(backend, 'POST', '/api/v1/plugins/slow_plugin/load')).status).toBe(200);
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/slow-plugin/slow'), 504, 'PLUGIN_TIMEOUT');
    expect((await details('slow_plugin')).state).toBe('active');
    expect((await api(backend, 'GET', '/api/v1/plugins/slow-plugin/fast')).body).toEqual({ fast: true });
  });
});

describe('a plugin that breaks the host protocol once active', () => {
  const BAD_LOG = /the plugin host sent an invalid 'log' message \(.*level: must be one of debug, info, warn, error.*\) and was stopped/;

  it('ends that host with the reason when its code posts a forged message, never the backend', async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/forged_message/load')).status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/plugins/forged-message/ok')).body).toEqual({ ok: true });
    // the route's own answer comes after the forged message, from a host already being stopped
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/forged-message/forge'), 502, 'PLUGIN_ROUTE_FAILED');

    const plugin = await eventually(
      () => details('forged_message'),
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason).toMatch(BAD_LOG);
    await eventually(persisted, (saved) => !saved.active.includes('forged_message'));
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/forged-message/ok'), 404, 'ROUTE_NOT_FOUND');
    expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
    expect(backend.process.exitCode).toBeNull();
  });

  it('answers 502 to a forged reply of the wrong shape and ends that host', async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/forged_message/load')).status).toBe(200);
    const answer = await api(backend, 'GET', '/api/v1/plugins/forged-message/bad-reply');
    await expectErrorAnswer(answer, 502, 'PLUGIN_ROUTE_FAILED');
    expect(answer.body.error.message).toMatch(/answered with an invalid reply \(.*status: must be integer.*\)/);
    const plugin = await eventually(
      () => details('forged_message'),
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason).toMatch(/sent an invalid reply .* to a route call and was stopped/);
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });
});

describe('a teardown that never returns', () => {
  it('is cut off after the bound: unload still ends the host, its routes are gone, others keep answering', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const dir = path.join(dirs.pluginsDir, 'teardown_loops');
    await mkdir(dir);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'teardown_loops', version: '1.0.0' }));
    await writeFile(
      path.join(dir, 'index.js'),
      "export function setup(ctx) { ctx.routes.get('/hi', () => 'hi'); }\nexport function teardown() { for (;;) {} }",
    );
    expect((await api(backend, 'POST', '/api/v1/plugins/teardown_loops/load')).status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/plugins/teardown-loops/hi')).body).toBe('hi');

    const started = Date.now();
    const unloading = api(backend, 'POST', '/api/v1/plugins/teardown_loops/unload');
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
    const unloaded = await unloading;
    expect(Date.now() - started).toBeLessThan(LOAD_BOUND_MS);
    expect(unloaded.status).toBe(200);
    expect(unloaded.body.state).toBe('discovered');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/teardown-loops/hi'), 404, 'ROUTE_NOT_FOUND');
    expect(backend.output()).toMatch(/teardown did not complete/);
  });
});

async function writeSlowPlugin(): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const dir = path.join(dirs.pluginsDir, 'slow_plugin');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'slow_plugin', version: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.js'),
    "export function setup(ctx) { ctx.routes.get('/slow', () => new Promise((r) => setTimeout(r, 60000))); ctx.routes.get('/fast', () => ({ fast: true })); }",
  );
}

describe('after every failure', () => {
  it('still lists every plugin and leaves no stray files in the plugins folder', async () => {
    await writeSlowPlugin();
    // The failures that end at once, side by side (each plugin has its own lock); the cases above
    // check the folder after each slow one.
    const quick = FAILING.filter((id) => id !== 'setup_hangs' && id !== 'setup_loops');
    await Promise.all(quick.map((id) => api(backend, 'POST', `/api/v1/plugins/${id}/load`)));
    const list = await api(backend, 'GET', '/api/v1/plugins');
    expect(list.status).toBe(200);
    expect(list.body.plugins.find((p: any) => p.id === 'other_plugin').state).toBe('active');
    // Nothing but plugin folders: no staging or trash folder, no stray file (other tests' own
    // plugins may sit beside these).
    const folders = (await readdir(dirs.pluginsDir)).sort();
    expect(folders).toEqual(
      expect.arrayContaining([
        'good_plugin',
        'invalid_manifest',
        'missing_entry',
        'oom_plugin',
        'other_plugin',
        'route_loops',
        'setup_hangs',
        'setup_loops',
        'setup_throws',
        'slow_plugin',
        'undeclared_capability',
        'setup_forges_message',
        'forged_message',
      ]),
    );
    expect(await strayEntries()).toEqual([]);
    expect(list.body.plugins.map((p: any) => p.id).sort()).toEqual(folders);
  });
});

describe('plugin logs', () => {
  it("passes ctx.log lines to the backend's log, carrying the plugin id", async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/load')).status).toBe(200);
    const line = backend
      .output()
      .split('\n')
      .find((l) => l.includes('good plugin ready'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ plugin: 'good_plugin', msg: 'good plugin ready' });
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
  });
});
