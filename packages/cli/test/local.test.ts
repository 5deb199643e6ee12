import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { buildRawZip } from '../../../test-support/raw-zip.js';
import { removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { examplesDir, runCli, runCliProcess, validPlugin, writeTree } from './helpers.js';

let work: string;
beforeAll(async () => {
  work = await tempDir('cli');
});
afterAll(async () => {
  await removeDir(work);
});

function zipEntryNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: false }, (error, zip) => {
      if (error || !zip) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => names.push(entry.fileName));
      zip.on('end', () => resolve(names.sort()));
      zip.on('error', reject);
    });
  });
}

// Every command runs in-process from the source (runCli); only the tests whose subject is the
// process itself start the npm bin file, which runs the build.
describe('the oko-plugin process (the npm bin file)', () => {
  it('prints help with the exit codes on stdout and exits 0 for --help', async () => {
    const run = await runCliProcess(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toMatch(/2\s+the store .*refused/);
    expect(run.stdout.endsWith('could not be reached\n')).toBe(true);
    expect(run.stderr).toBe('');
  });

  it('exits 1 with the usage when given no command', async () => {
    const run = await runCliProcess([]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Usage:');
  });
});

describe('oko-plugin usage', () => {
  it('prints help with the exit codes and exits 0 for --help', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toMatch(/2\s+the store .*refused/);
  });

  it.each([[['frobnicate']], [['validate']], [['pack', 'a', 'b']], [['pack', '--bogus', 'x']], [[]]])(
    'exits 1 on a usage error: %j',
    async (args) => {
      const run = await runCli(args);
      expect(run.code).toBe(1);
    },
  );

  it('names the missing --store for publish', async () => {
    const run = await runCli(['publish', examplesDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--store URL is required');
  });
});

describe('oko-plugin init', () => {
  it('scaffolds a plugin that validates and whose own test passes', async () => {
    const run = await runCli(['init', 'weather_board'], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    const dir = path.join(work, 'weather_board');
    expect(run.stdout.trim()).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual([
      'README.md',
      'index.js',
      'manifest.json',
      'package.json',
      'page_manifest.yaml',
      'test',
      'ui.yaml',
    ]);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'weather_board',
      version: '0.1.0',
      capabilities: ['exec.weather_board.hello', 'read.weather_board.items'],
    });
    expect(await readFile(path.join(dir, 'ui.yaml'), 'utf8')).toContain('api_prefix: weather-board');

    const validate = await runCli(['validate', dir]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('valid plugin weather_board 0.1.0');

    // The scaffold's own test, run the way its package.json says (node --test, which finds test/*.test.js
    // on Node 20 and 24 alike; `node --test test/` finds nothing on Node 22+), with TAP output on both.
    const { spawnSync } = await import('node:child_process');
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { scripts: { test: string } };
    expect(pkg.scripts.test).toBe('node --test');
    const test = spawnSync(process.execPath, ['--test', '--test-reporter=tap'], { cwd: dir, encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);
  });

  it('refuses a folder that is not empty and changes nothing in it', async () => {
    const dir = await writeTree(path.join(work, 'occupied'), { 'keep.txt': 'mine' });
    const run = await runCli(['init', 'occupied_plugin', '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not empty');
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });

  it.each(['Bad-Name', '..', 'x', '9lives', 'a/b'])('refuses the invalid name %j and creates nothing', async (name) => {
    const before = await readdir(work, { recursive: true });
    const run = await runCli(['init', name], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a valid plugin name');
    expect(await readdir(work, { recursive: true })).toEqual(before);
  });
});

describe('oko-plugin validate', () => {
  it.each(['http_probe', 'host_stats', 'notes'])('accepts the example plugin %s', async (name) => {
    const run = await runCli(['validate', path.join(examplesDir, name)]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('lists every problem of a folder as file: field: message', async () => {
    const dir = await writeTree(path.join(work, 'broken'), {
      'manifest.json': JSON.stringify({ name: 'broken_one', version: '1.0', capabilities: ['read.broken_one.x', 'NOPE'] }),
      'ui.yaml': 'has_page: "yes"\nmenu_order: first\n',
    });
    const run = await runCli(['validate', dir]);
    expect(run.code).toBe(1);
    for (const line of [
      'manifest.json: version: not a semver version',
      'manifest.json: capabilities.1:',
      'ui.yaml: has_page:',
      'ui.yaml: menu_order:',
    ]) {
      expect(run.stderr).toContain(line);
    }
    expect(run.stdout).toBe('');
  });

  it('reports the missing entry file and a page manifest the backend would refuse', async () => {
    const dir = await writeTree(path.join(work, 'pageless'), {
      'manifest.json': JSON.stringify({ name: 'pageless', version: '1.0.0', capabilities: ['read.pageless.x'] }),
      'page_manifest.yaml':
        'plugin_id: someone_else\nmanifest_version: "1.0"\ncapabilities: [read.pageless.y]\npage: { enabled: true, layout: content-only, components: [] }\n',
    });
    const run = await runCli(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("manifest.json: main: entry file 'index.js' not found");
    expect(run.stderr).toContain("page_manifest.yaml: plugin_id: must equal the plugin's name 'pageless'");
    expect(run.stderr).toContain("page_manifest.yaml: capabilities.0: 'read.pageless.y' is not declared in manifest.json");
  });

  it('accepts a ZIP with the plugin inside one top-level folder, as GitHub zipballs are', async () => {
    const files = Object.fromEntries(Object.entries(validPlugin()).map(([name, content]) => [`owner-repo-abc123/${name}`, content]));
    const zip = path.join(work, 'zipball.zip');
    await writeTree(work, { 'zipball.zip': await zipFiles(files) });
    const run = await runCli(['validate', zip]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('valid plugin sample_plugin 1.2.3');
  });

  it('refuses a ZIP whose entry escapes with ../, by the store archive rules', async () => {
    const zip = path.join(work, 'slip.zip');
    const entries = Object.entries(validPlugin()).map(([name, content]) => ({ name, content }));
    await writeTree(work, { 'slip.zip': buildRawZip([...entries, { name: '../evil.js', content: 'x' }]) });
    const run = await runCli(['validate', zip]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/slip\.zip: .*\.\.\/evil\.js/);
  });

  it('refuses a file that is not a ZIP, and a path that does not exist', async () => {
    await writeTree(work, { 'not-a.zip': 'hello' });
    const notZip = await runCli(['validate', path.join(work, 'not-a.zip')]);
    expect(notZip.code).toBe(1);
    expect(notZip.stderr).toContain('not-a.zip: not a valid ZIP');
    const missing = await runCli(['validate', path.join(work, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file or folder');
  });
});

describe('oko-plugin pack', () => {
  it('writes <name>-<version>.zip without tests or node_modules, the same bytes every time', async () => {
    const dir = await writeTree(path.join(work, 'packme'), {
      ...validPlugin('packme', '2.0.0'),
      'static/logo.svg': '<svg/>',
      'test/plugin.test.js': 'ignored',
      'node_modules/dep/index.js': 'ignored',
    });
    const first = await runCli(['pack', dir], { cwd: work });
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(work, 'packme-2.0.0.zip');
    expect(first.stdout.trim()).toBe(file);
    expect(await zipEntryNames(file)).toEqual(['index.js', 'manifest.json', 'static/logo.svg', 'ui.yaml']);
    const sha = /sha256 ([0-9a-f]{64})/.exec(first.stderr)?.[1];
    expect(sha).toBeDefined();

    const second = await runCli(['pack', dir, '-o', path.join(work, 'again.zip')]);
    expect(second.code).toBe(0);
    expect(/sha256 ([0-9a-f]{64})/.exec(second.stderr)?.[1]).toBe(sha);
    expect(await readFile(path.join(work, 'again.zip'))).toEqual(await readFile(file));

    const validate = await runCli(['validate', file]);
    expect(validate.code).toBe(0);
  });

  it('writes -o into a folder that does not exist yet, relative to where it runs', async () => {
    const dir = await writeTree(path.join(work, 'packdeep'), validPlugin('packdeep', '1.0.0'));
    const run = await runCli(['pack', dir, '-o', 'out/nested/packdeep.zip'], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(path.join(work, 'out/nested/packdeep.zip'));
    expect(await zipEntryNames(path.join(work, 'out/nested/packdeep.zip'))).toContain('manifest.json');
  });

  it('refuses an invalid plugin and writes no ZIP', async () => {
    const dir = await writeTree(path.join(work, 'unpackable'), { 'manifest.json': '{"name": "unpackable"' });
    const run = await runCli(['pack', dir, '-o', path.join(work, 'unpackable.zip')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('manifest.json: not valid JSON');
    expect(run.stderr).toContain('nothing packed');
    await expect(stat(path.join(work, 'unpackable.zip'))).rejects.toThrow();
  });
});
