import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, expectErrorAnswer, FIXTURES, makeDirs, buildBackend, type Backend, type Dirs } from './helpers.js';

let dirs: Dirs;
// Each test builds its own backend in-process on its own copies of the fixtures.
let backend: Backend;

beforeEach(async () => {
  dirs = await makeDirs(['other_plugin']);
  const frontendDir = path.join(dirs.dataDir, '..', 'frontend');
  await mkdir(path.join(frontendDir, 'assets'), { recursive: true });
  await writeFile(path.join(frontendDir, 'index.html'), '<!doctype html><div id="app">oko ui</div>');
  await writeFile(path.join(frontendDir, 'assets', 'main.js'), 'console.log(1)');
  const builtinDir = path.join(dirs.dataDir, '..', 'builtin');
  await cp(path.join(FIXTURES, 'good_plugin'), path.join(builtinDir, 'good_plugin'), { recursive: true });
  // an installed folder with a builtin's name does not replace the builtin
  await cp(path.join(FIXTURES, 'good_plugin'), path.join(dirs.pluginsDir, 'good_plugin'), { recursive: true });
  backend = await buildBackend(dirs, { OKO_FRONTEND_DIR: frontendDir, OKO_BUILTIN_PLUGINS_DIR: builtinDir });
});
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('web UI and builtin plugins', () => {
  it('serves the built UI at / and its assets', async () => {
    const index = await api(backend, 'GET', '/');
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.body).toContain('oko ui');
    expect((await api(backend, 'GET', '/assets/main.js')).body).toBe('console.log(1)');
  });

  it('answers index.html for UI routes, but JSON errors under /api', async () => {
    expect((await api(backend, 'GET', '/plugins/good_plugin')).body).toContain('oko ui');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/nowhere'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(backend, 'POST', '/somewhere'), 404, 'ROUTE_NOT_FOUND');
  });

  it('lists plugins of the builtin folder with scope builtin, installed ones as external', async () => {
    const { body } = await api(backend, 'GET', '/api/v1/plugins');
    expect(body.plugins.map((p: any) => [p.id, p.scope])).toEqual([
      ['good_plugin', 'builtin'],
      ['other_plugin', 'external'],
    ]);
    const info = await api(backend, 'GET', '/api/v1/info');
    expect(info.body.builtin_plugins_dir).toBe(path.join(dirs.dataDir, '..', 'builtin'));
  });
});
