import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { resolveBackend } from '../src/lib/config.js';
import { DevApi } from '../src/lib/dev/dev-api.js';
import { DevSession, type DevSessionOptions } from '../src/lib/dev/session.js';
import { startFakeDevBackend, type FakeDevBackend } from './fake-dev-backend.js';
import { writeTree } from './helpers.js';

// The dev session against a stand-in for the backend's contract: what it sends for a first push
// and for each save, what it prints, and how it treats a broken plugin, a failing build and a
// backend that refuses. Each test gives the session one look per save (lookNow) unless it tests
// the watcher itself.

const manifest = (version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'dev_demo', version, description: 'dev loop demo', capabilities: [], ...extra });
const code = (answer: string) => `export async function setup(ctx) { ctx.routes.get('/hello', async () => (${answer})); }\n`;

let backend: FakeDevBackend;
let dir: string;
let said: string[];
let warned: string[];
let session: DevSession | undefined;

beforeEach(async () => {
  backend = await startFakeDevBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'oko-dev-session-'));
  await writeTree(dir, {
    'manifest.json': manifest('0.1.0'),
    'index.js': code('{ v: 1 }'),
    'ui.yaml': 'has_page: false\n',
    'lib/util.js': 'export const x = 1;\n',
    'test/plugin.test.js': '// not sent\n',
    'node_modules/dep/index.js': '// not sent\n',
  });
  said = [];
  warned = [];
});

afterEach(async () => {
  await session?.stop();
  session = undefined;
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<DevSessionOptions> = {}, target = backend.url): Promise<DevSession> {
  session = new DevSession(
    new DevApi(resolveBackend(target, undefined, {})),
    { dir, leaseS: 30, watch: false, ...options },
    { say: (line) => said.push(line), warn: (line) => warned.push(line) },
  );
  await session.start();
  return session;
}

const sentPaths = (i: number) => backend.pushes[i]!.files.map((file) => file.path).sort();

describe('oko-plugin dev: what is sent', () => {
  it('the first push is every file pack would package, with replace and the lease; the state is printed', async () => {
    await start({ leaseS: 12 });
    expect(backend.pushes).toHaveLength(1);
    expect(backend.pushes[0]).toMatchObject({ replace: true, lease_s: 12 });
    expect(sentPaths(0)).toEqual(['index.js', 'lib/util.js', 'manifest.json', 'ui.yaml']);
    expect(said).toContain('● dev_demo 0.1.0 active (loaded in 12 ms)');
    await eventually(() => said.some((line) => /info {2}dev_demo ready$/.test(line)) || Promise.reject(new Error(said.join('\n'))));
  });

  it('a save sends only the changed file and what was removed', async () => {
    await start();
    await writeFile(path.join(dir, 'index.js'), code('{ v: 2 }'));
    await rm(path.join(dir, 'lib/util.js'));
    await session!.lookNow();
    expect(backend.pushes).toHaveLength(2);
    expect(backend.pushes[1]).toEqual({ files: [expect.objectContaining({ path: 'index.js' })], removed: ['lib/util.js'], lease_s: 30 });
    expect(backend.files.get('index.js')).toBe(code('{ v: 2 }'));
    expect(said).toContain('● dev_demo 0.1.0 active (reloaded in 12 ms)');
  });

  it('a look with nothing changed sends nothing', async () => {
    await start();
    await writeFile(path.join(dir, 'index.js'), code('{ v: 1 }'));
    await writeFile(path.join(dir, 'test/plugin.test.js'), '// edited, still not sent\n');
    await session!.lookNow();
    expect(backend.pushes).toHaveLength(1);
  });

  it('the watcher turns a save into one push', async () => {
    await start({ watch: true, debounceMs: 50 });
    await writeFile(path.join(dir, 'index.js'), code('{ v: 3 }'));
    await eventually(
      () => backend.files.get('index.js'),
      (text) => text === code('{ v: 3 }'),
    );
    expect(backend.pushes.at(-1)!.files.map((file) => file.path)).toEqual(['index.js']);
  });
});

describe('oko-plugin dev: problems', () => {
  it('a broken manifest is shown with the file and field, nothing is sent, the fix is sent', async () => {
    await start();
    await writeFile(path.join(dir, 'manifest.json'), manifest('not-a-version'));
    await session!.lookNow();
    expect(backend.pushes).toHaveLength(1);
    expect(warned.join('\n')).toMatch(/manifest\.json: version: .*\n.*kept the last good version running/);
    await writeFile(path.join(dir, 'manifest.json'), manifest('0.2.0'));
    await session!.lookNow();
    expect(sentPaths(1)).toEqual(['manifest.json']);
    expect(said).toContain('● dev_demo 0.2.0 active (reloaded in 12 ms)');
  });

  it('a push the backend refuses prints its issues, and the next save sends those changes again', async () => {
    await start();
    // A rule only the backend knows (the CLI's own checks pass): its issues come in `refused`.
    const refused = {
      message: 'ui.yaml is not usable here',
      issues: [{ file: 'ui.yaml', path: 'api_prefix', message: 'held by plugin other' }],
    };
    backend.answer = () => ({ refused });
    await writeFile(path.join(dir, 'ui.yaml'), 'has_page: false\napi_prefix: other\n');
    await session!.lookNow();
    expect(warned).toEqual(
      expect.arrayContaining([
        '✗ not applied: ui.yaml is not usable here',
        '  ui.yaml: api_prefix: held by plugin other',
        '  kept the last good version running',
      ]),
    );
    backend.answer = () => ({});
    await writeFile(path.join(dir, 'index.js'), code('{ v: 4 }'));
    await session!.lookNow();
    expect(backend.pushes[2]).toMatchObject({ replace: true });
    expect(sentPaths(2)).toEqual(['index.js', 'lib/util.js', 'manifest.json', 'ui.yaml']);
  });

  it('a refused change that is reverted does not stay in the tree the backend keeps', async () => {
    await start();
    const refused = {
      message: 'ui.yaml is not usable here',
      issues: [{ file: 'ui.yaml', path: 'api_prefix', message: 'held by plugin other' }],
    };
    backend.answer = (push) => (push.files.some((file) => file.path === 'ui.yaml') && !push.replace ? { refused } : {});
    await writeFile(path.join(dir, 'ui.yaml'), 'has_page: false\napi_prefix: other\n');
    await session!.lookNow();
    await writeFile(path.join(dir, 'ui.yaml'), 'has_page: false\n');
    await writeFile(path.join(dir, 'index.js'), code('{ v: 5 }'));
    await session!.lookNow();
    expect(backend.files.get('ui.yaml')).toBe('has_page: false\n');
    expect(backend.files.get('index.js')).toBe(code('{ v: 5 }'));
  });

  it('a first push the backend refuses still follows the log stream once a later push is applied', async () => {
    const refused = { message: 'name taken', issues: [{ file: 'manifest.json', path: 'name', message: 'held by another plugin' }] };
    backend.answer = () => ({ refused, state: 'error', generation: 0 });
    await start();
    expect(warned).toContain('  no good version runs yet: fix it and save');
    backend.answer = () => ({});
    await writeFile(path.join(dir, 'index.js'), code('{ v: 6 }'));
    await session!.lookNow();
    expect(said).toContain('● dev_demo 0.1.0 active (loaded in 12 ms)');
    await eventually(() => said.some((line) => /info {2}dev_demo ready$/.test(line)) || Promise.reject(new Error(said.join('\n'))));
  });

  it('a code error is printed with the reason the backend gives (file and line)', async () => {
    await start();
    backend.answer = () => ({
      state: 'error',
      error: { reason: 'setup failed: boom\n    at setup (index.js:1:40)', at: new Date().toISOString() },
    });
    await writeFile(path.join(dir, 'index.js'), 'export async function setup() { throw new Error("boom"); }\n');
    await session!.lookNow();
    expect(warned).toEqual(expect.arrayContaining(['● dev_demo 0.1.0 error (reloaded in 12 ms)', '        at setup (index.js:1:40)']));
  });

  it('a permission a save adds is said', async () => {
    await start();
    backend.answer = () => ({ permissions_added: ['network api.example.com:443'] });
    await writeFile(path.join(dir, 'manifest.json'), manifest('0.1.0', { permissions: { network: ['api.example.com:443'] } }));
    await session!.lookNow();
    expect(said).toContain('granted for this session: network api.example.com:443');
  });

  it('a backend that refuses development plugins ends the start with the variable to set', async () => {
    backend.failWith = { status: 403, code: 'DEV_PLUGINS_DISABLED', message: 'development plugins are off' };
    await expect(start()).rejects.toThrow(/OKO_DEV_PLUGINS=true/);
  });

  it('a backend that cannot be reached ends the start, naming where it looked', async () => {
    const url = backend.url;
    await backend.close();
    backend = await startFakeDevBackend();
    await expect(start({}, url)).rejects.toThrow(new RegExp(`cannot reach the backend at ${url}/api/v1: ECONNREFUSED`));
  });

  it('a lease the backend no longer knows makes the session send the whole plugin again', async () => {
    await start({ leaseS: 5 });
    backend.forget = true;
    await eventually(
      () => backend.pushes.length,
      (n) => n >= 2,
      20_000,
    );
    expect(backend.pushes[1]).toMatchObject({ replace: true });
    expect(sentPaths(1)).toEqual(sentPaths(0));
  });

  it('a save the backend answers with DEV_PLUGIN_NOT_FOUND is sent again as the whole plugin', async () => {
    await start();
    backend.answer = (push) => (push.replace ? {} : { notFound: true });
    await writeFile(path.join(dir, 'index.js'), code('{ v: 7 }'));
    await session!.lookNow();
    expect(backend.pushes.map((push) => push.replace ?? false)).toEqual([true, false, true]);
    expect(sentPaths(2)).toEqual(sentPaths(0));
    expect(backend.files.get('index.js')).toBe(code('{ v: 7 }'));
  });

  it('stop removes the plugin', async () => {
    await start();
    expect(await session!.stop()).toEqual({ removed: true, message: 'removed dev_demo' });
    session = undefined;
    expect(backend.deletes).toEqual(['dev_demo']);
  });
});

describe('oko-plugin dev: a plugin with a build step', () => {
  beforeEach(async () => {
    // A build that writes its output inside the plugin folder, as tsc writes dist/: it must not
    // start another build, and its output is what runs.
    await rm(path.join(dir, 'index.js'));
    await writeTree(dir, {
      'manifest.json': manifest('0.1.0', { main: 'dist/index.js' }),
      'src/index.js': code('{ v: 1 }'),
      'build.mjs': `import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
mkdirSync('dist', { recursive: true });
const source = readFileSync('src/index.js', 'utf8');
if (source.includes('SYNTAX')) { console.error('src/index.js(1,1): error: not valid'); process.exit(2); }
writeFileSync('dist/index.js', source);
appendFileSync('test/builds.log', 'x');
`,
      'package.json': JSON.stringify({ name: 'dev-demo', private: true, type: 'module', scripts: { build: 'node build.mjs' } }),
    });
  });
  const builds = async () => (await readFile(path.join(dir, 'test/builds.log'), 'utf8').catch(() => '')).length;

  it('builds before the first push and sends the output', async () => {
    await start();
    expect(await builds()).toBe(1);
    expect(sentPaths(0)).toContain('dist/index.js');
  });

  it('a source save builds once and sends source and output; the output alone builds nothing', async () => {
    await start();
    await writeFile(path.join(dir, 'src/index.js'), code('{ v: 2 }'));
    await session!.lookNow();
    expect(await builds()).toBe(2);
    expect(sentPaths(1)).toEqual(['dist/index.js', 'src/index.js']);
    // What the watcher reports next is the build's own writes: nothing to build, nothing to send.
    await session!.lookNow();
    expect(await builds()).toBe(2);
    expect(backend.pushes).toHaveLength(2);
  });

  it('a failing build shows its output, sends nothing and keeps the last good version', async () => {
    await start();
    await writeFile(path.join(dir, 'src/index.js'), 'SYNTAX');
    await session!.lookNow();
    expect(backend.pushes).toHaveLength(1);
    expect(warned).toEqual(
      expect.arrayContaining([
        '✗ the build failed; nothing sent',
        '  src/index.js(1,1): error: not valid',
        '  kept the last good version running',
      ]),
    );
  });

  it('what a failing build writes anyway (tsc emits despite type errors) is not sent', async () => {
    await writeFile(
      path.join(dir, 'build.mjs'),
      `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
mkdirSync('dist', { recursive: true });
const source = readFileSync('src/index.js', 'utf8');
writeFileSync('dist/index.js', source);
if (source.includes('TYPE_ERROR')) process.exit(2);
`,
    );
    await start();
    await writeFile(path.join(dir, 'src/index.js'), `${code('{ v: 2 }')}// TYPE_ERROR\n`);
    await session!.lookNow();
    expect(warned).toContain('✗ the build failed; nothing sent');
    // The watcher then reports the output the failed build wrote: still nothing is sent.
    await session!.lookNow();
    expect(backend.pushes).toHaveLength(1);
    await writeFile(path.join(dir, 'src/index.js'), code('{ v: 3 }'));
    await session!.lookNow();
    expect(backend.files.get('dist/index.js')).toBe(code('{ v: 3 }'));
  });

  it('the watcher does not loop on the build output', async () => {
    await start({ watch: true, debounceMs: 50 });
    await writeFile(path.join(dir, 'src/index.js'), code('{ v: 5 }'));
    await eventually(
      () => backend.files.get('dist/index.js'),
      (text) => text === code('{ v: 5 }'),
    );
    // One more save proves the loop idle: had the output started builds, this count would run ahead.
    await writeFile(path.join(dir, 'src/index.js'), code('{ v: 6 }'));
    await eventually(
      () => backend.files.get('dist/index.js'),
      (text) => text === code('{ v: 6 }'),
    );
    await session!.lookNow();
    expect(await builds()).toBe(3);
  });
});
