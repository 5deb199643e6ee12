import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Backend, type Dirs } from './helpers.js';

// Enable puts a plugin back in the state it had before Disable: running again if it ran, else
// discovered; and what it was survives a restart of the backend between the two.
let dirs: Dirs;
let backend: Backend & { app: unknown };
const state = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body.state as string;
const operate = (id: string, operation: string) => api(backend, 'POST', `/api/v1/plugins/${id}/${operation}`);

beforeAll(async () => {
  dirs = await makeDirs(['other_plugin', 'good_plugin', 'setup_throws', 'network_probe']);
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('Enable after Disable', () => {
  it('loads a plugin that was active when disabled, and answers it active', async () => {
    expect((await operate('other_plugin', 'load')).body.state).toBe('active');
    expect((await operate('other_plugin', 'disable')).body.state).toBe('disabled');
    const enabled = await operate('other_plugin', 'enable');
    expect(enabled.status).toBe(200);
    expect(enabled.body.state).toBe('active');
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
    await operate('other_plugin', 'unload');
  });

  it('leaves a plugin that was discovered or in error discovered', async () => {
    await operate('good_plugin', 'disable');
    expect((await operate('good_plugin', 'enable')).body.state).toBe('discovered');
    await expectErrorAnswer(await operate('setup_throws', 'load'), 422, 'PLUGIN_LOAD_FAILED');
    expect(await state('setup_throws')).toBe('error');
    await operate('setup_throws', 'disable');
    expect((await operate('setup_throws', 'enable')).body.state).toBe('discovered');
  });

  it('remembers across a restart between Disable and Enable', async () => {
    expect((await operate('other_plugin', 'load')).body.state).toBe('active');
    await operate('other_plugin', 'disable');
    await operate('good_plugin', 'disable');
    await backend.stop();
    backend = await buildBackend(dirs);
    expect(await state('other_plugin')).toBe('disabled');
    expect((await operate('other_plugin', 'enable')).body.state).toBe('active');
    expect((await operate('good_plugin', 'enable')).body.state).toBe('discovered');
    // Used once: a later Disable and Enable of the now discovered plugin leaves it discovered.
    await operate('other_plugin', 'unload');
    await operate('other_plugin', 'disable');
    expect((await operate('other_plugin', 'enable')).body.state).toBe('discovered');
  });

  it('answers PLUGIN_LOAD_FAILED, the plugin in error with the reason, when the load fails on Enable', async () => {
    expect((await operate('network_probe', 'load')).body.state).toBe('active');
    await operate('network_probe', 'disable');
    await writeFile(
      path.join(dirs.pluginsDir, 'network_probe', 'index.js'),
      "export function setup() { throw new Error('broken since'); }\n",
    );
    const message = await expectErrorAnswer(await operate('network_probe', 'enable'), 422, 'PLUGIN_LOAD_FAILED');
    expect(message).toContain('broken since');
    const details = (await api(backend, 'GET', '/api/v1/plugins/network_probe')).body;
    expect(details).toMatchObject({ state: 'error', error: { reason: expect.stringContaining('broken since') } });
  });
});
