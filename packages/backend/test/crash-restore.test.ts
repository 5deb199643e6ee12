import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendProcess } from '../../../test-support/processes.js';
import { api, eventually, makeDirs, startBackendProcess, type Dirs } from './helpers.js';

// Real backend processes restarted on the same folders: what the crash rule keeps across a
// restart of the backend. crash_on_call exits (process.exit(1), from a timer) when POSTed /crash.

let dirs: Dirs | undefined;
let backend: BackendProcess | undefined;
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
  backend = dirs = undefined;
});

const details = async (id: string) => (await api(backend!, 'GET', `/api/v1/plugins/${id}`)).body;
const saved = async () => JSON.parse(await readFile(path.join(dirs!.dataDir, 'plugin-states.json'), 'utf8'));
const crash = async (prefix: string) => expect((await api(backend!, 'POST', `/api/v1/plugins/${prefix}/crash`)).status).toBe(200);
const otherAnswers = async () => expect((await api(backend!, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
const inState = (id: string, state: string) =>
  eventually(
    () => details(id),
    (p) => p.state === state,
  );

/** A second crashing plugin, crash_waits (prefix crash-waits), copied from crash_on_call. */
async function addCrashWaits(): Promise<void> {
  const dir = path.join(dirs!.pluginsDir, 'crash_waits');
  await cp(path.join(dirs!.pluginsDir, 'crash_on_call'), dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'crash_waits', version: '1.0.0' }));
}

describe('the crash rule across a restart of the backend', () => {
  it('keeps a quarantined plugin in error and loads one waiting to restart as an active one', async () => {
    dirs = await makeDirs(['crash_on_call', 'other_plugin']);
    await addCrashWaits();

    // 1. quick restarts: crash_on_call dies three times and is quarantined
    backend = await startBackendProcess(dirs, { OKO_PLUGIN_RESTART_BACKOFF_MS: '100' });
    for (const id of ['crash_on_call', 'other_plugin']) expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).status).toBe(200);
    for (let death = 1; death <= 2; death++) {
      await crash('crash-on-call');
      await eventually(
        () => backend!.output(),
        (out) => out.includes(`host exited with code 1; restart ${death} of 3 in ${100 * 2 ** (death - 1)} ms`),
      );
      await inState('crash_on_call', 'active');
      await otherAnswers();
    }
    await crash('crash-on-call');
    const quarantined = await inState('crash_on_call', 'error');
    expect(quarantined.error.reason).toBe('quarantined after 3 crashes in 10 min; last crash: host exited with code 1');
    await backend.stop();

    // 2. long backoff: the quarantine holds after the restart; crash_waits dies and waits, then the backend is killed
    backend = await startBackendProcess(dirs, { OKO_PLUGIN_RESTART_BACKOFF_MS: '600000' });
    await inState('other_plugin', 'active');
    expect((await details('crash_on_call')).error.reason).toBe(quarantined.error.reason);
    expect((await api(backend, 'POST', '/api/v1/plugins/crash_waits/load')).status).toBe(200);
    await crash('crash-waits');
    expect(await inState('crash_waits', 'loading')).toMatchObject({ status_reason: 'restart 1 of 3' });
    // the death is saved in the background just after the state changes; the kill comes after it
    const file = await eventually(saved, (states) => states.crashes?.crash_waits !== undefined);
    await backend.kill();
    expect(file.active).toEqual(['crash_waits', 'other_plugin']);
    expect(Object.keys(file.quarantined)).toEqual(['crash_on_call']);
    expect(file.crashes.crash_waits).toHaveLength(1);

    // 3. the plugin that waited is loaded like any active one; a user's load ends the quarantine
    backend = await startBackendProcess(dirs);
    await inState('crash_waits', 'active');
    expect((await api(backend, 'GET', '/api/v1/plugins/crash-waits/ping')).body).toMatchObject({ pong: 'crashy' });
    expect((await details('crash_on_call')).state).toBe('error');
    expect((await api(backend, 'POST', '/api/v1/plugins/crash_on_call/load')).body.state).toBe('active');
    expect((await saved()).quarantined).toBeUndefined();
    // its death before the restart still counts: the next one is the second
    await crash('crash-waits');
    expect(await inState('crash_waits', 'loading')).toMatchObject({ status_reason: 'restart 2 of 3' });
    // restores run one at a time in the background: other_plugin's may come after crash_waits'
    await inState('other_plugin', 'active');
    await otherAnswers();
  });
});
