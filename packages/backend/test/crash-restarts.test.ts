import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, buildBackend, eventually, makeDirs, type Backend, type Dirs } from './helpers.js';

// The crash rule on the backend built in-process: a plugin whose process dies while active waits
// in `loading` ("restart N of 3") and starts again after a backoff that doubles; the third death
// within the window quarantines it. Each test builds its own backend with the timers it needs.
// The fixture crash_on_call exits (process.exit(1), from a timer) when POSTed /crash.

let dirs: Dirs | undefined;
let backend: Backend | undefined;
afterEach(async () => {
  await backend?.stop();
  await dirs?.cleanup();
  backend = dirs = undefined;
});

async function start(env: Record<string, string>): Promise<Backend> {
  dirs = await makeDirs(['crash_on_call', 'crash_then_refuse', 'other_plugin']);
  backend = await buildBackend(dirs, env);
  for (const id of ['crash_on_call', 'other_plugin']) expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).status).toBe(200);
  return backend;
}

const details = async (id: string) => (await api(backend!, 'GET', `/api/v1/plugins/${id}`)).body;
const summary = async (id: string) => (await api(backend!, 'GET', '/api/v1/plugins')).body.plugins.find((p: any) => p.id === id);
const persisted = async () => JSON.parse(await readFile(path.join(dirs!.dataDir, 'plugin-states.json'), 'utf8'));
const crash = async (prefix = 'crash-on-call') => expect((await api(backend!, 'POST', `/api/v1/plugins/${prefix}/crash`)).status).toBe(200);
const otherAnswers = async () => expect((await api(backend!, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
/** The first state other than active after a crash: the plugin is waiting for its restart. */
const waiting = (id: string) =>
  eventually(
    () => details(id),
    (p) => p.state !== 'active',
  );
const activeAgain = (id: string) =>
  eventually(
    () => details(id),
    (p) => p.state === 'active',
  );
const restarts = () =>
  (backend as unknown as { app: { pluginManager: { restarts: { isWaiting(id: string): boolean } } } }).app.pluginManager.restarts;

describe('a plugin whose process dies while active', () => {
  it('is restarted after a backoff showing "restart N of 3", quarantined at the third death, and a load clears it', async () => {
    // the default backoff: 1 s, then 2 s, time enough to see each wait however busy the machine
    await start({});
    const first = (await api(backend!, 'GET', '/api/v1/plugins/crash-on-call/ping')).body.started;

    await crash();
    const one = await waiting('crash_on_call');
    expect(one).toMatchObject({ state: 'loading', status_reason: 'restart 1 of 3', routes: [] });
    expect(one.error).toBeUndefined();
    // the list shows it too, and the plugin stays in the active set, so a restart of the backend loads it
    expect(await summary('crash_on_call')).toMatchObject({ state: 'loading', status_reason: 'restart 1 of 3' });
    expect((await persisted()).active).toContain('crash_on_call');
    await otherAnswers();
    const again = await activeAgain('crash_on_call');
    expect(again.status_reason).toBeUndefined();
    // a new process: the module ran again
    expect((await api(backend!, 'GET', '/api/v1/plugins/crash-on-call/ping')).body.started).not.toBe(first);

    await crash();
    expect(await waiting('crash_on_call')).toMatchObject({ state: 'loading', status_reason: 'restart 2 of 3' });
    await otherAnswers();
    await activeAgain('crash_on_call');

    await crash();
    const quarantined = await eventually(
      () => details('crash_on_call'),
      (p) => p.state === 'error',
    );
    expect(quarantined.error.reason).toMatch(/^quarantined after 3 crashes in 10 min; last crash: .*exit/);
    expect(quarantined.status_reason).toBeUndefined();
    expect(restarts().isWaiting('crash_on_call')).toBe(false);
    // saved just after the state changes, in the background
    const saved = await eventually(persisted, (file) => file.quarantined !== undefined);
    expect(saved.active).not.toContain('crash_on_call');
    expect(saved.quarantined.crash_on_call.reason).toBe(quarantined.error.reason);
    await otherAnswers();

    // a user's load clears the quarantine and the count: the next death is "restart 1 of 3" again
    expect((await api(backend!, 'POST', '/api/v1/plugins/crash_on_call/load')).body.state).toBe('active');
    expect((await persisted()).quarantined).toBeUndefined();
    await crash();
    expect(await waiting('crash_on_call')).toMatchObject({ state: 'loading', status_reason: 'restart 1 of 3' });
    await activeAgain('crash_on_call');
  });

  it('counts a restart whose setup fails as a death', async () => {
    await start({ OKO_PLUGIN_RESTART_BACKOFF_MS: '100' });
    expect((await api(backend!, 'POST', '/api/v1/plugins/crash_then_refuse/load')).status).toBe(200);
    await crash('crash-then-refuse');
    // crash, then two restarts that fail: the third death quarantines it
    const quarantined = await eventually(
      () => details('crash_then_refuse'),
      (p) => p.state === 'error',
    );
    expect(quarantined.error.reason).toMatch(
      /^quarantined after 3 crashes in 10 min; last crash: restart failed: setup failed: refuses to start a second time/,
    );
    await otherAnswers();
  });

  it('cancels the waiting restart when the plugin is unloaded, disabled or removed meanwhile', async () => {
    // long enough that the restarts below are still waiting when the operations come
    await start({ OKO_PLUGIN_RESTART_BACKOFF_MS: '600000' });
    await crash();
    await waiting('crash_on_call');
    expect(restarts().isWaiting('crash_on_call')).toBe(true);
    const unloaded = await api(backend!, 'POST', '/api/v1/plugins/crash_on_call/unload');
    expect(unloaded.body).toMatchObject({ state: 'discovered' });
    expect(unloaded.body.status_reason).toBeUndefined();
    expect(restarts().isWaiting('crash_on_call')).toBe(false);
    expect((await persisted()).active).not.toContain('crash_on_call');

    expect((await api(backend!, 'POST', '/api/v1/plugins/crash_on_call/load')).status).toBe(200);
    await crash();
    await waiting('crash_on_call');
    expect((await api(backend!, 'POST', '/api/v1/plugins/crash_on_call/disable')).body.state).toBe('disabled');
    expect(restarts().isWaiting('crash_on_call')).toBe(false);

    expect((await api(backend!, 'POST', '/api/v1/plugins/crash_then_refuse/load')).status).toBe(200);
    await crash('crash-then-refuse');
    await waiting('crash_then_refuse');
    await rm(path.join(dirs!.pluginsDir, 'crash_then_refuse'), { recursive: true });
    expect(await summary('crash_then_refuse')).toBeUndefined();
    expect(restarts().isWaiting('crash_then_refuse')).toBe(false);
    await otherAnswers();
  });

  it('starts a waiting plugin at once when a user reloads it, and forgets its crashes', async () => {
    await start({ OKO_PLUGIN_RESTART_BACKOFF_MS: '600000' });
    await crash();
    await waiting('crash_on_call');
    const reloaded = await api(backend!, 'POST', '/api/v1/plugins/crash_on_call/reload');
    expect(reloaded.body).toMatchObject({ state: 'active' });
    expect(restarts().isWaiting('crash_on_call')).toBe(false);
    expect((await persisted()).crashes).toBeUndefined();
  });

  it('says the window of the setting in words', async () => {
    await start({ OKO_PLUGIN_RESTART_BACKOFF_MS: '50', OKO_PLUGIN_QUARANTINE_CRASHES: '1', OKO_PLUGIN_QUARANTINE_WINDOW_S: '90' });
    await crash();
    const plugin = await eventually(
      () => details('crash_on_call'),
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason).toMatch(/^quarantined after 1 crash in 90 s; last crash: /);
  });
});
