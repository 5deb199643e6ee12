import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_TEXT_CHARS } from '../src/plugin-runtime/limits.js';
import { api, buildBackend, eventually, expectErrorAnswer, makeDirs, type Backend, type Dirs } from './helpers.js';

// Hostile plugins in one in-process backend (its own process: the plugin processes' parent, whose
// secrets they must not see). other_plugin is the bystander that keeps answering throughout.
// Fixtures that hang, loop or exhaust the heap are in isolation.test.ts, against a real backend process.
const RSS_LIMIT_MB = 160;
const SECRETS = { OKO_STORE_API_KEY: 'store-key-of-the-backend', GITHUB_TOKEN: 'ghp_backend_token' };

let dirs: Dirs;
let backend: Backend & { app: { log: Record<'info' | 'warn', (...args: unknown[]) => void> } };
const saved = { ...process.env };

const probe = async (id: string, route: string) => (await api(backend, 'GET', `/api/v1/plugins/${id.replaceAll('_', '-')}${route}`)).body;
const read = (id: string, file: string) => probe(id, `/read?path=${encodeURIComponent(file)}`);
const bystanderAnswers = async () =>
  expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
const DENIED = { ok: false, code: 'ERR_ACCESS_DENIED' };

/** A copy of sandbox_probe named `id` that declares `read` (and `env`). */
async function probeDeclaring(id: string, read: string[], env: string[] = []): Promise<void> {
  const dir = path.join(dirs.pluginsDir, id);
  await cp(path.join(dirs.pluginsDir, 'sandbox_probe'), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name: id, permissions: { read, env } }));
}

beforeAll(async () => {
  dirs = await makeDirs(['other_plugin', 'sandbox_probe', 'buffer_hog', 'exit_in_handler']);
  await probeDeclaring('proc_reader', ['/proc']);
  await probeDeclaring('root_reader', ['/']);
  await probeDeclaring('wild_reader', ['/*']);
  await probeDeclaring('env_reader', [], ['PROBE_TOKEN', 'NODE_OPTIONS']);
  await cp(path.join(dirs.pluginsDir, 'buffer_hog'), path.join(dirs.pluginsDir, 'buffer_hog_setup'), { recursive: true });
  const hogManifest = path.join(dirs.pluginsDir, 'buffer_hog_setup', 'manifest.json');
  await writeFile(hogManifest, JSON.stringify({ ...JSON.parse(await readFile(hogManifest, 'utf8')), name: 'buffer_hog_setup' }));
  // Secrets in the backend's own environment (and config): none may reach a plugin's process.
  Object.assign(process.env, SECRETS, { NODE_OPTIONS: '--max-old-space-size=4096' });
  // The first death quarantines (crash-restarts.test.ts covers the restarts), so a process ended here stays in error with its reason.
  backend = await buildBackend(dirs, {
    ...SECRETS,
    OKO_PLUGIN_RSS_LIMIT_MB: String(RSS_LIMIT_MB),
    OKO_PLUGIN_MEMORY_CHECK_MS: '100',
    OKO_PLUGIN_QUARANTINE_CRASHES: '1',
  });
  for (const id of ['other_plugin', 'sandbox_probe', 'proc_reader', 'root_reader', 'wild_reader', 'buffer_hog', 'exit_in_handler']) {
    expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).body.state).toBe('active');
  }
});
afterAll(async () => {
  for (const name of [...Object.keys(SECRETS), 'NODE_OPTIONS']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await backend?.stop();
  await dirs?.cleanup();
});

describe('a plugin process reaches its own folders only', () => {
  it('reads its own folder and data folder and writes its data folder', async () => {
    const { dataDir } = await probe('sandbox_probe', '/whoami');
    expect((await read('sandbox_probe', path.join(dirs.pluginsDir, 'sandbox_probe', 'manifest.json'))).ok).toBe(true);
    expect(await probe('sandbox_probe', `/write?path=${encodeURIComponent(path.join(dataDir, 'note.txt'))}`)).toEqual({ ok: true });
    expect(await read('sandbox_probe', path.join(dataDir, 'note.txt'))).toEqual({ ok: true, value: 'written by a plugin' });
  });

  it.each([
    ['/etc/passwd', () => '/etc/passwd'],
    ["another plugin's folder", () => path.join(dirs.pluginsDir, 'other_plugin', 'index.js')],
    ["the backend's state folder", () => path.join(dirs.dataDir, 'plugin-states.json')],
  ])('is refused reading %s', async (_what, file) => {
    expect(await read('sandbox_probe', file())).toMatchObject(DENIED);
    await bystanderAnswers();
  });

  it('is refused writing outside its data folder, its own plugin folder included', async () => {
    for (const target of [
      path.join(dirs.pluginsDir, 'sandbox_probe', 'index.js'),
      path.join(dirs.dataDir, 'planted.json'),
      '/tmp/oko-planted',
    ]) {
      expect(await probe('sandbox_probe', `/write?path=${encodeURIComponent(target)}`)).toMatchObject(DENIED);
    }
    await bystanderAnswers();
  });

  it.each([
    ['spawning a process', '/spawn', 'ERR_ACCESS_DENIED'],
    ['starting a Worker', '/worker', 'ERR_ACCESS_DENIED'],
    ['loading an addon', '/addon', 'ERR_DLOPEN_DISABLED'],
    ["reaching Node's raw bindings", '/binding', 'ERR_ACCESS_DENIED'],
  ])('is refused %s', async (_what, route, code) => {
    expect(await probe('sandbox_probe', route)).toMatchObject({ ok: false, code });
    await bystanderAnswers();
  });

  it("gets a fresh environment: none of the backend's variables or secrets", async () => {
    expect(process.env.GITHUB_TOKEN).toBe(SECRETS.GITHUB_TOKEN);
    expect((await probe('sandbox_probe', '/environment')).env).toEqual({});
  });

  it('gets the env values entered for it, and only those', async () => {
    const values = { PROBE_TOKEN: 'entered-for-this-plugin', NODE_OPTIONS: '--allow-child-process' };
    expect((await api(backend, 'PUT', '/api/v1/plugins/env_reader/env', { values })).status).toBe(200);
    expect((await api(backend, 'POST', '/api/v1/plugins/env_reader/load')).body.state).toBe('active');
    // NODE_* never reaches the process, whatever was entered: NODE_OPTIONS could undo the sandbox
    expect((await probe('env_reader', '/environment')).env).toEqual({ PROBE_TOKEN: 'entered-for-this-plugin' });
    expect(await probe('env_reader', '/spawn')).toMatchObject(DENIED);
  });

  it.runIf(process.getuid?.() === 0)('runs as an unprivileged user when the backend runs as root', async () => {
    expect((await probe('sandbox_probe', '/whoami')).uid).not.toBe(0);
  });

  it.runIf(process.getuid?.() === 0)('fails to load, naming the folder, when that user cannot read the plugin folder', async () => {
    await cp(path.join(dirs.pluginsDir, 'other_plugin'), path.join(dirs.pluginsDir, 'private_plugin'), { recursive: true });
    const folder = path.join(dirs.pluginsDir, 'private_plugin');
    await writeFile(path.join(folder, 'manifest.json'), JSON.stringify({ name: 'private_plugin', version: '1.0.0', description: 'x' }));
    await chmod(folder, 0o700);
    const answer = await api(backend, 'POST', '/api/v1/plugins/private_plugin/load');
    await expectErrorAnswer(answer, 422, 'PLUGIN_LOAD_FAILED');
    expect(answer.body.error.message).toContain(`the plugin user 'nobody' cannot read ${folder}`);
  });

  it("logs what it prints on stdout and stderr as its own lines, cut at the protocol's bound", async () => {
    const info = vi.spyOn(backend.app.log, 'info');
    const warn = vi.spyOn(backend.app.log, 'warn');
    try {
      expect(await probe('sandbox_probe', '/print')).toEqual({ printed: true });
      const printed = (spy: typeof info) => spy.mock.calls.filter(([bindings]) => (bindings as { printed?: boolean })?.printed);
      await eventually(
        async () => printed(info).map(([, line]) => line as string),
        (lines) => lines.length >= 3,
      );
      expect(printed(info)[0]).toEqual([{ plugin: 'sandbox_probe', printed: true }, 'printed to stdout']);
      expect(
        printed(info)
          .slice(1)
          .map(([, line]) => (line as string).length),
      ).toEqual([MAX_TEXT_CHARS, MAX_TEXT_CHARS]);
      expect(printed(warn)[0]).toEqual([{ plugin: 'sandbox_probe', printed: true }, 'printed to stderr']);
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });
});

describe('declared reads never reach what no declaration may grant', () => {
  it('read: ["/proc"] reads its own /proc/self and /proc/cpuinfo, never the backend\'s /proc/<pid>/environ', async () => {
    const { ppid, pid } = await probe('proc_reader', '/whoami');
    expect(ppid).toBe(process.pid);
    expect(await read('proc_reader', `/proc/${ppid}/environ`)).toMatchObject(DENIED);
    expect(await read('proc_reader', `/proc/${ppid}/cmdline`)).toMatchObject(DENIED);
    const status = await read('proc_reader', '/proc/self/status');
    expect(status.value).toMatch(new RegExp(`^Pid:\\s+${pid}$`, 'm'));
    expect((await read('proc_reader', '/proc/cpuinfo')).ok).toBe(true);
    // /proc/self/root leads back to the whole file system, /proc/self/cwd to a folder of its choice
    expect(await read('proc_reader', '/proc/self/root/etc/passwd')).toMatchObject(DENIED);
    expect(await read('proc_reader', `/proc/self/root/proc/${ppid}/environ`)).toMatchObject(DENIED);
    await bystanderAnswers();
  });

  it('read: ["/"] reads the machine but not other plugins, the backend\'s state or other processes', async () => {
    expect((await read('root_reader', '/etc/passwd')).ok).toBe(true);
    expect(await read('root_reader', path.join(dirs.pluginsDir, 'other_plugin', 'index.js'))).toMatchObject(DENIED);
    expect(await read('root_reader', path.join(dirs.dataDir, 'plugin-states.json'))).toMatchObject(DENIED);
    expect(await read('root_reader', `/proc/${process.pid}/environ`)).toMatchObject(DENIED);
    // Node takes `..` away before its check; the kernel follows /dev/fd up into /proc/self first
    expect(await read('root_reader', '/dev/fd/../root/etc/hostname')).toMatchObject(DENIED);
    expect(await read('root_reader', `/dev/fd/../root${path.join(dirs.dataDir, 'plugin-states.json')}`)).toMatchObject(DENIED);
    expect(await read('root_reader', path.join(dirs.pluginsDir, 'root_reader', 'manifest.json'))).toMatchObject({ ok: true });
    await bystanderAnswers();
  });
});

describe('a declared wildcard', () => {
  it('read: ["/*"] (a wildcard to Node) still reaches no zone', async () => {
    expect((await read('wild_reader', '/etc/passwd')).ok).toBe(true);
    expect(await read('wild_reader', path.join(dirs.pluginsDir, 'other_plugin', 'index.js'))).toMatchObject(DENIED);
    expect(await read('wild_reader', path.join(dirs.dataDir, 'plugin-states.json'))).toMatchObject(DENIED);
    expect(await read('wild_reader', `/proc/${process.pid}/environ`)).toMatchObject(DENIED);
  });
});

describe('a plugin process that misbehaves ends alone, with the reason', () => {
  const rssReason = new RegExp(`^used \\d+ MB of memory \\(limit ${RSS_LIMIT_MB} MB\\)$`);
  const quarantined = (reason: string) => `quarantined after 1 crash in 10 min; last crash: ${reason}`;

  it('is ended once 2 GB of Buffers pass its resident memory limit, in a handler', async () => {
    const rssBefore = process.memoryUsage().rss;
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/buffer-hog/grow'), 502, 'PLUGIN_ROUTE_FAILED');
    const plugin = await eventually(
      async () => (await api(backend, 'GET', '/api/v1/plugins/buffer_hog')).body,
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason.replace(quarantined(''), '')).toMatch(rssReason);
    // the Buffers were the plugin process's, never the backend's
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    await bystanderAnswers();
  });

  it('is ended with the same reason when it does so in setup, as the load failure', async () => {
    const answer = await api(backend, 'POST', '/api/v1/plugins/buffer_hog_setup/load');
    await expectErrorAnswer(answer, 422, 'PLUGIN_LOAD_FAILED');
    expect((await api(backend, 'GET', '/api/v1/plugins/buffer_hog_setup')).body.error.reason).toMatch(rssReason);
    await bystanderAnswers();
  });

  it('ends only itself when a handler calls process.exit()', async () => {
    expect(await probe('exit_in_handler', '/ok')).toEqual({ ok: true });
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/exit-in-handler/exit'), 502, 'PLUGIN_ROUTE_FAILED');
    const plugin = await eventually(
      async () => (await api(backend, 'GET', '/api/v1/plugins/exit_in_handler')).body,
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason).toBe(quarantined('host exited with code 3'));
    // saved as no longer active (the crash is persisted after the state changes)
    await eventually(
      async () => JSON.parse(await readFile(path.join(dirs.dataDir, 'plugin-states.json'), 'utf8')).active,
      (active: string[]) => !active.includes('exit_in_handler'),
    );
    expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    await bystanderAnswers();
  });
});
