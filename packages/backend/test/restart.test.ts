import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendProcess } from '../../../test-support/processes.js';
import { api, eventually, makeDirs, startBackendProcess, type Dirs } from './helpers.js';

// Real backend processes: what a graceful stop, a kill -9 and a restart keep.

let dirs: Dirs | undefined;
let backend: BackendProcess | undefined;
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
  backend = undefined;
  dirs = undefined;
});

const saved = async () => JSON.parse(await readFile(path.join(dirs!.dataDir, 'plugin-states.json'), 'utf8'));
const states = async (b: BackendProcess) =>
  Object.fromEntries((await api(b, 'GET', '/api/v1/plugins')).body.plugins.map((p: any) => [p.id, p.state]));

describe('restart', () => {
  it('loads previously active plugins again and keeps disabled ones disabled after a graceful stop', async () => {
    dirs = await makeDirs(['good_plugin', 'other_plugin', 'setup_throws']);
    backend = await startBackendProcess(dirs);
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    await api(backend, 'POST', '/api/v1/plugins/other_plugin/load');
    await api(backend, 'POST', '/api/v1/plugins/setup_throws/disable');
    await backend.stop();
    // graceful stop unloads: teardown ran
    await stat(path.join(dirs.dataDir, 'plugins', 'good_plugin', 'teardown.txt'));

    backend = await startBackendProcess(dirs);
    const after = await eventually(
      () => states(backend!),
      (s) => s.good_plugin === 'active' && s.other_plugin === 'active',
    );
    expect(after).toEqual({ good_plugin: 'active', other_plugin: 'active', setup_throws: 'disabled' });
    expect((await api(backend, 'GET', '/api/v1/plugins/good-plugin/ping')).body).toEqual({ pong: true, plugin: 'good_plugin' });
  });

  it('restores the state written before a crash (kill -9)', async () => {
    dirs = await makeDirs(['good_plugin', 'other_plugin']);
    backend = await startBackendProcess(dirs);
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    await api(backend, 'POST', '/api/v1/plugins/other_plugin/disable');
    await backend.kill();

    const saved = JSON.parse(await readFile(path.join(dirs.dataDir, 'plugin-states.json'), 'utf8'));
    expect(saved).toMatchObject({ active: ['good_plugin'], disabled: ['other_plugin'] });
    expect((await readdir(dirs.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    backend = await startBackendProcess(dirs);
    const after = await eventually(
      () => states(backend!),
      (s) => s.good_plugin === 'active',
    );
    expect(after).toEqual({ good_plugin: 'active', other_plugin: 'disabled' });
  });

  it('does not restore a plugin the user unloaded', async () => {
    dirs = await makeDirs(['good_plugin']);
    backend = await startBackendProcess(dirs);
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/unload');
    await backend.stop();
    expect(JSON.parse(await readFile(path.join(dirs.dataDir, 'plugin-states.json'), 'utf8')).active).toEqual([]);
    backend = await startBackendProcess(dirs);
    expect(await states(backend)).toEqual({ good_plugin: 'discovered' });
  });

  it('starts with a corrupt state file, keeping it aside for a human', async () => {
    dirs = await makeDirs(['good_plugin']);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dirs.dataDir, { recursive: true });
    await writeFile(path.join(dirs.dataDir, 'plugin-states.json'), '{"active": ["good_pl');
    backend = await startBackendProcess(dirs);
    expect(await states(backend)).toEqual({ good_plugin: 'discovered' });
    expect((await readdir(dirs.dataDir)).some((f) => f.startsWith('plugin-states.json.corrupt-'))).toBe(true);
  });
});

/** Processes whose command line grants this test's plugins folder: the plugin processes of its backends. */
async function pluginProcesses(): Promise<string[]> {
  const grant = `--allow-fs-read=${dirs!.pluginsDir}`;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const mine = await Promise.all(
    pids.map(async (pid) => ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(grant) ? pid : '')),
  );
  return mine.filter(Boolean);
}

describe('a plugin whose restore takes the backend down', () => {
  it('is left in error with the reason on the next start, for an admin to load; the others are restored', async () => {
    dirs = await makeDirs(['good_plugin', 'setup_kills_backend']);
    backend = await startBackendProcess(dirs);
    for (const id of ['good_plugin', 'setup_kills_backend'])
      expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).status).toBe(200);
    // A kill -9 keeps both in the active set; from now on the plugin's setup kills the backend.
    await backend.kill();
    await writeFile(path.join(dirs.dataDir, 'plugins', 'setup_kills_backend', 'armed'), '');

    // First restart: the backend dies while restoring it (kill -9 while its setup runs).
    backend = await startBackendProcess(dirs, { OKO_PLUGIN_LOAD_TIMEOUT_MS: '60000' });
    await eventually(saved, (file) => file.restoring === 'setup_kills_backend');
    expect(await pluginProcesses()).not.toEqual([]);
    await backend.kill();
    // its plugin processes see their channel close and end too: none is left behind
    await eventually(pluginProcesses, (pids) => pids.length === 0);
    expect(await saved()).toMatchObject({ active: ['good_plugin', 'setup_kills_backend'], restoring: 'setup_kills_backend' });

    // Second restart: the backend stays up, the others are restored, that one waits in error.
    backend = await startBackendProcess(dirs);
    const after = await eventually(
      () => states(backend!),
      (s) => s.good_plugin === 'active',
    );
    expect(after).toEqual({ good_plugin: 'active', setup_kills_backend: 'error' });
    const plugin = (await api(backend, 'GET', '/api/v1/plugins/setup_kills_backend')).body;
    expect(plugin.error.reason).toMatch(
      /the backend stopped while loading this plugin again after a restart, so it was not loaded automatically/,
    );
    // the mark is cleared once the restore is over, just after the last load
    await eventually(saved, (file) => file.restoring === undefined);
    expect(await saved()).toEqual({ version: 1, disabled: [], active: ['good_plugin'] });
    expect((await api(backend, 'GET', '/api/v1/plugins/good-plugin/ping')).body).toEqual({ pong: true, plugin: 'good_plugin' });

    // Third start: still up, and the plugin is not loaded behind the admin's back.
    await backend.stop();
    backend = await startBackendProcess(dirs);
    expect(
      await eventually(
        () => states(backend!),
        (s) => s.good_plugin === 'active',
      ),
    ).toEqual({ good_plugin: 'active', setup_kills_backend: 'discovered' });

    // Once it is fixed, the admin loads it by hand.
    await rm(path.join(dirs.dataDir, 'plugins', 'setup_kills_backend', 'armed'));
    expect((await api(backend, 'POST', '/api/v1/plugins/setup_kills_backend/load')).body.state).toBe('active');
  });
});

describe('a corrupt state file', () => {
  it('reads the last good copy, so a plugin the user disabled stays disabled and active ones are restored', async () => {
    dirs = await makeDirs(['good_plugin', 'other_plugin']);
    backend = await startBackendProcess(dirs);
    await api(backend, 'POST', '/api/v1/plugins/good_plugin/load');
    await api(backend, 'POST', '/api/v1/plugins/other_plugin/disable');
    await backend.stop();
    await writeFile(path.join(dirs.dataDir, 'plugin-states.json'), '{"version": 1, "disabled": ["oth');

    backend = await startBackendProcess(dirs);
    const after = await eventually(
      () => states(backend!),
      (s) => s.good_plugin === 'active',
    );
    expect(after).toEqual({ good_plugin: 'active', other_plugin: 'disabled' });
    expect((await readdir(dirs.dataDir)).some((f) => f.startsWith('plugin-states.json.corrupt-'))).toBe(true);
    expect(backend.output()).toMatch(/plugin states file was corrupt; read its last good copy plugin-states.json.bak instead/);
  });
});
