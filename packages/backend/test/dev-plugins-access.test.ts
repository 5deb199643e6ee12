import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { answering, answerOf, push } from './dev-helpers.js';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Dirs } from './helpers.js';

// Who may send development plugins (README "Development plugins"): OKO_DEV_PLUGINS=true, or a
// backend on loopback with sign-in off; admins only. Each test builds the backend it needs.

const PASSWORD = 'admin-password-123';
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function backendWith(env: Record<string, string>, dirs?: Dirs) {
  const own = dirs ?? (await makeDirs([]));
  const backend = await buildBackend(own, env);
  cleanup.push(async () => {
    await backend.stop();
    if (!dirs) await own.cleanup();
  });
  return backend;
}

describe('when development plugins are allowed', () => {
  it('refuses every /dev route with DEV_PLUGINS_DISABLED naming OKO_DEV_PLUGINS when it is false', async () => {
    const backend = await backendWith({ OKO_DEV_PLUGINS: 'false' });
    const message = await expectErrorAnswer(
      await push(backend, 'dev_off', answering('dev_off', 'x'), { replace: true }),
      403,
      'DEV_PLUGINS_DISABLED',
    );
    expect(message).toContain('OKO_DEV_PLUGINS=false');
    for (const [method, url] of [
      ['GET', '/api/v1/dev/plugins/dev_off'],
      ['GET', '/api/v1/dev/plugins/dev_off/logs'],
      ['POST', '/api/v1/dev/plugins/dev_off/lease'],
      ['DELETE', '/api/v1/dev/plugins/dev_off'],
    ] as const) {
      await expectErrorAnswer(await api(backend, method, url), 403, 'DEV_PLUGINS_DISABLED');
    }
  });

  it('refuses them off loopback with sign-in off, saying why and which variable allows them', async () => {
    const backend = await backendWith({ OKO_HOST: '0.0.0.0', OKO_AUTH: 'off' });
    const message = await expectErrorAnswer(await api(backend, 'GET', '/api/v1/dev/plugins/dev_x'), 403, 'DEV_PLUGINS_DISABLED');
    expect(message).toContain('not loopback');
    expect(message).toContain('OKO_DEV_PLUGINS=true');
  });

  it('refuses them on loopback once sign-in is on, even to an admin', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const { token } = await backend.app.auth.createToken('admin', 'cli');
    const answer = await api(backend, 'GET', '/api/v1/dev/plugins/dev_x', undefined, { authorization: `Bearer ${token}` });
    expect(await expectErrorAnswer(answer, 403, 'DEV_PLUGINS_DISABLED')).toContain('sign-in is on');
  });

  it('allows them on loopback with sign-in off (no account, OKO_AUTH=auto)', async () => {
    const backend = await backendWith({});
    expect((await push(backend, 'dev_local', answering('dev_local', 'x'), { replace: true })).status).toBe(201);
  });

  it('with OKO_DEV_PLUGINS=true and sign-in on: an admin token pushes, a viewer gets FORBIDDEN, nobody gets UNAUTHORIZED', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD, OKO_DEV_PLUGINS: 'true' });
    const { token } = await backend.app.auth.createToken('admin', 'cli');
    await backend.app.auth.addUser('vera', PASSWORD, 'viewer');
    const viewer = (await backend.app.auth.createToken('vera', 'vera')).token;
    const files = answering('dev_admin', 'x');
    await expectErrorAnswer(await push(backend, 'dev_admin', files, { replace: true }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(
      await push(backend, 'dev_admin', files, { replace: true }, { authorization: `Bearer ${viewer}` }),
      403,
      'FORBIDDEN',
    );
    const pushed = await push(backend, 'dev_admin', files, { replace: true }, { authorization: `Bearer ${token}` });
    expect(pushed.body).toMatchObject({ state: 'active' });
    await expectErrorAnswer(
      await api(backend, 'GET', '/api/v1/dev/plugins/dev_admin/logs', undefined, { authorization: `Bearer ${viewer}` }),
      403,
      'FORBIDDEN',
    );
    // Its route is a plugin route like any other: a viewer may GET it.
    expect((await api(backend, 'GET', '/api/v1/plugins/dev-admin/answer', undefined, { authorization: `Bearer ${viewer}` })).body).toEqual({
      answer: 'x',
    });
  });
});

describe('a start of the backend', () => {
  it('removes the development plugins and data a previous run left, and never loads them again', async () => {
    const dirs = await makeDirs([]);
    cleanup.push(() => dirs.cleanup());
    const first = await buildBackend(dirs);
    await push(first, 'dev_left', answering('dev_left', 'x'), { replace: true });
    await first.stop();
    // As a backend killed with -9 would leave it, a working folder too.
    const devDir = path.join(dirs.dataDir, 'dev-plugins');
    await mkdir(path.join(devDir, '.staging-dev_left-abc'), { recursive: true });
    await writeFile(path.join(devDir, '.data', 'dev_left', 'state.json'), '{}');
    const second = await backendWith({}, dirs);
    expect(await readdir(devDir)).toEqual([]);
    const list = await api(second, 'GET', '/api/v1/plugins');
    expect(list.body.plugins.map((plugin: { id: string }) => plugin.id)).not.toContain('dev_left');
    await expectErrorAnswer(await answerOf(second, 'dev_left'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(second, 'GET', '/api/v1/dev/plugins/dev_left'), 404, 'DEV_PLUGIN_NOT_FOUND');
  });

  // A backend killed between granting a first push's permissions and moving its files into place
  // leaves the grant and the pushed tree, but no plugin folder: the grant must go all the same.
  it('revokes the grant of a development plugin whose first push never reached its folder', async () => {
    const dirs = await makeDirs([]);
    cleanup.push(() => dirs.cleanup());
    const first = await buildBackend(dirs);
    await push(first, 'dev_half', answering('dev_half', 'x', { permissions: { listen: true } }), { replace: true });
    await first.stop();
    const grant = path.join(dirs.dataDir, 'grants', 'dev_half.json');
    expect((await stat(grant)).isFile()).toBe(true);
    await rm(path.join(dirs.dataDir, 'dev-plugins', 'dev_half'), { recursive: true });
    await backendWith({}, dirs);
    await expect(stat(grant)).rejects.toThrow(/ENOENT/);
  });
});
