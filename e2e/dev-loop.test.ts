import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import { startBackend, type BackendProcess } from '../test-support/processes.js';

// `oko-plugin dev` as an author runs it: the CLI's own process (the npm bin file) against a real
// backend process with OKO_DEV_PLUGINS=true. Edit the route and see the new answer; break the
// manifest and see the error while the old version answers; fix it and see it reload; break the
// code and see the file and line; Ctrl-C and see it gone; kill -9 and see it gone after the lease.

const CLI = path.resolve(import.meta.dirname, '../packages/cli/bin/oko-plugin.js');
const LONG = 60_000;

let root: string;
let backend: BackendProcess;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'oko-e2e-dev-'));
  // Run as root, the backend starts plugin processes as `nobody`, who must reach the data folder inside.
  await chmod(root, 0o755);
  backend = await startBackend({
    pluginsDir: path.join(root, 'plugins'),
    dataDir: path.join(root, 'data'),
    env: { OKO_DEV_PLUGINS: 'true' },
  });
});

afterEach(async () => {
  for (const child of running) {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
  running.clear();
});

afterAll(async () => {
  await backend?.stop();
  await rm(root, { recursive: true, force: true });
});

interface DevProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runDev(args: string[]): DevProcess {
  const child = spawn(process.execPath, [CLI, 'dev', ...args], {
    env: { ...process.env, OKO_BACKEND_URL: '', OKO_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

const manifest = (name: string, version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, version, description: 'the dev loop, end to end', capabilities: [], ...extra });
const code = (answer: string) =>
  `export async function setup(ctx) {\n  ctx.routes.get('/hello', async () => ({ answer: '${answer}' }));\n  ctx.log.info('setup of ${answer} done');\n}\n`;

async function pluginFolder(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'manifest.json'), manifest(name, '0.1.0'));
  await writeFile(path.join(dir, 'index.js'), code('one'));
  return dir;
}

/** The route's answer, or the error status as text: `eventually` polls it until the wanted answer. */
async function answerOf(name: string): Promise<string> {
  const res = await fetch(`${backend.api}/plugins/${name.replace(/_/g, '-')}/hello`);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { answer: string }).answer;
}

async function listed(name: string): Promise<{ scope: string; state: string } | undefined> {
  const res = await fetch(`${backend.api}/plugins`);
  const body = (await res.json()) as { plugins: Array<{ id: string; scope: string; state: string }> };
  return body.plugins.find((plugin) => plugin.id === name);
}

/** Waits for `pattern` in one of the CLI's streams; a failure shows both. */
const until = (dev: DevProcess, stream: 'stdout' | 'stderr', pattern: RegExp) =>
  eventually(dev[stream], (value) => pattern.test(value), LONG).catch(() => {
    throw new Error(`never printed ${pattern} on ${stream}; stdout:\n${dev.stdout()}\nstderr:\n${dev.stderr()}`);
  });

describe('oko-plugin dev against a real backend', () => {
  it('edit, break, fix, break the code, Ctrl-C: each shows in the CLI and in the answers', async () => {
    const name = 'dev_loop_e2e';
    const dir = await pluginFolder(name);
    const dev = runDev([dir, '--backend', backend.url]);

    await until(dev, 'stdout', /● dev_loop_e2e 0\.1\.0 active \(loaded in \d+ ms\)/);
    expect(await answerOf(name)).toBe('one');
    expect(await listed(name)).toMatchObject({ scope: 'dev', state: 'active' });

    await writeFile(path.join(dir, 'index.js'), code('two'));
    await eventually(
      () => answerOf(name),
      (answer) => answer === 'two',
      LONG,
    );
    await until(dev, 'stdout', /● dev_loop_e2e 0\.1\.0 active \(reloaded in \d+ ms\)/);
    // ctx.log of the new version's setup, through the log stream (opened after the first push).
    await until(dev, 'stdout', /info {2}setup of two done/);

    await writeFile(path.join(dir, 'manifest.json'), manifest(name, 'not-a-version'));
    await until(dev, 'stderr', /manifest\.json: version: .*\n\s+kept the last good version running/);
    expect(await answerOf(name)).toBe('two');

    await writeFile(path.join(dir, 'manifest.json'), manifest(name, '0.2.0', { permissions: { network: ['api.example.com:443'] } }));
    await until(dev, 'stdout', /● dev_loop_e2e 0\.2\.0 active \(reloaded in \d+ ms\)/);
    await until(dev, 'stdout', /granted for this session: .*api\.example\.com:443/);
    await writeFile(path.join(dir, 'index.js'), code('three'));
    await eventually(
      () => answerOf(name),
      (answer) => answer === 'three',
      LONG,
    );

    await writeFile(path.join(dir, 'index.js'), `${code('four')}\nexport const broken = ;\n`);
    await until(dev, 'stderr', /● dev_loop_e2e 0\.2\.0 error[^\n]*\n[\s\S]*index\.js:\d+/);

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.stdout()).toMatch(/removed dev_loop_e2e/);
    expect(await listed(name)).toBeUndefined();
  });

  it('a CLI killed with -9 leaves nothing once its lease runs out', async () => {
    const name = 'dev_lease_e2e';
    const dir = await pluginFolder(name);
    const dev = runDev([dir, '--backend', backend.url, '--lease', '5']);
    await until(dev, 'stdout', /● dev_lease_e2e 0\.1\.0 active/);
    dev.child.kill('SIGKILL');
    await dev.exited;
    expect(await listed(name)).toMatchObject({ scope: 'dev' });
    await eventually(
      () => listed(name),
      (plugin) => plugin === undefined,
      LONG,
    );
    await expect(answerOf(name)).rejects.toThrow(/HTTP 404/);
  });

  it('a backend that refuses development plugins ends dev with exit code 2, naming the variable to set', async () => {
    const off = await startBackend({
      pluginsDir: path.join(root, 'plugins-off'),
      dataDir: path.join(root, 'data-off'),
      env: { OKO_DEV_PLUGINS: 'false' },
    });
    try {
      const dev = runDev([await pluginFolder('dev_off_e2e'), '--backend', off.url]);
      expect(await dev.exited).toBe(2);
      expect(dev.stderr()).toMatch(/OKO_DEV_PLUGINS=true/);
    } finally {
      await off.stop();
    }
  });

  it('a backend that is not there ends dev with exit code 2, naming where it looked', async () => {
    const dev = runDev([await pluginFolder('dev_down_e2e'), '--backend', 'http://127.0.0.1:9']);
    expect(await dev.exited).toBe(2);
    expect(dev.stderr()).toMatch(/cannot reach the backend at http:\/\/127\.0\.0\.1:9\/api\/v1/);
  });
});
