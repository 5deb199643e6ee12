import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Backend, type Dirs } from './helpers.js';

// A plugin's name and API prefix are its own, even while it is not running, and a plugin route
// cannot take the place of a management path.

let dirs: Dirs;
let backend: Backend;

/** Writes a plugin folder whose index.js body is `setup` (the body of `setup(ctx)`). */
async function plugin(name: string, setup: string, ui = ''): Promise<void> {
  const dir = path.join(dirs.pluginsDir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', description: 'test plugin' }));
  await writeFile(path.join(dir, 'index.js'), `export async function setup(ctx) {\n${setup}\n}\nexport async function teardown() {}\n`);
  if (ui) await writeFile(path.join(dir, 'ui.yaml'), ui);
}

beforeEach(async () => {
  dirs = await makeDirs([]);
  await mkdir(dirs.pluginsDir, { recursive: true });
});
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('plugin names and prefixes', () => {
  it("refuses to load a plugin that declares another installed plugin's prefix, though that one is not running", async () => {
    await plugin('victim', "ctx.routes.get('/secret', async () => ({ owner: 'victim' }));");
    await plugin('squatter', "ctx.routes.get('/secret', async () => ({ owner: 'squatter' }));", 'api_prefix: victim\n');
    backend = await buildBackend(dirs);
    const refused = await api(backend, 'POST', '/api/v1/plugins/squatter/load');
    const message = await expectErrorAnswer(refused, 422, 'PLUGIN_LOAD_FAILED');
    expect(message).toContain("'victim' is also used by installed plugin 'victim'");
    // Nothing answers under the victim's prefix: the squatter never got it.
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/victim/secret'), 404, 'ROUTE_NOT_FOUND');
  });

  it('refuses the other side of the clash too, so neither can take the routes of the other', async () => {
    await plugin('victim', "ctx.routes.get('/secret', async () => ({ owner: 'victim' }));");
    await plugin('squatter', '', 'api_prefix: victim\n');
    backend = await buildBackend(dirs);
    await expectErrorAnswer(await api(backend, 'POST', '/api/v1/plugins/victim/load'), 422, 'PLUGIN_LOAD_FAILED');
  });

  it('refuses a plugin whose prefix is the name of another plugin', async () => {
    await plugin('host_stats', '');
    await plugin('shadow', '', 'api_prefix: host_stats\n');
    backend = await buildBackend(dirs);
    const message = await expectErrorAnswer(await api(backend, 'POST', '/api/v1/plugins/shadow/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect(message).toContain("'host_stats'");
  });

  it('shows a plugin named after a word of the API as invalid, with the reason', async () => {
    await plugin('store', '');
    backend = await buildBackend(dirs);
    const details = await api(backend, 'GET', '/api/v1/plugins/store');
    expect(details.body).toMatchObject({ state: 'error' });
    expect(JSON.stringify(details.body)).toContain("word of the dashboard's API");
  });
});

describe('plugin routes', () => {
  it('refuses a route named like a management operation: the load fails with the reason', async () => {
    await plugin('sly', "ctx.routes.post('/disable', async () => ({ done: true }));");
    backend = await buildBackend(dirs);
    const message = await expectErrorAnswer(await api(backend, 'POST', '/api/v1/plugins/sly/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect(message).toMatch(/route \/disable starts with 'disable'/);
  });

  it('refuses the same route sent straight on the IPC channel, past ctx.routes', async () => {
    await plugin('sneaky', "process.send({ type: 'register-route', method: 'GET', path: '/manifest' });");
    backend = await buildBackend(dirs);
    const message = await expectErrorAnswer(await api(backend, 'POST', '/api/v1/plugins/sneaky/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect(message).toMatch(/route \/manifest starts with 'manifest'/);
    expect((await api(backend, 'GET', '/api/v1/health')).status).toBe(200);
  });
});
