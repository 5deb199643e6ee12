import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers.js';

// `oko-plugin init --ts` against the real compiler: the repository's own tsc compiles the scaffold
// in a temp folder (as `npm run build` would after `npm install`), then the output validates and
// the scaffold's own test passes on it.
const TSC = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
const tsc = (dir: string) => spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });

let work: string;
let dir: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-init-ts-'));
  const run = await runCli(['init', 'typed_board', '--ts'], { cwd: work });
  expect(run.code, run.stderr).toBe(0);
  dir = path.join(work, 'typed_board');
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('oko-plugin init --ts', () => {
  it('writes src/index.ts, the SDK types, tsconfig.json and a build script; main is the build output', async () => {
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(
      [
        '.gitignore',
        'README.md',
        'manifest.json',
        'package.json',
        'page_manifest.yaml',
        'src',
        'src/index.ts',
        'src/oko-plugin.d.ts',
        'test',
        'test/plugin.test.js',
        'tsconfig.json',
        'ui.yaml',
      ].sort(),
    );
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.main).toBe('dist/index.js');
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toBe('tsc');
    expect(pkg.devDependencies).toHaveProperty('typescript');
    expect(await readFile(path.join(dir, 'src/index.ts'), 'utf8')).toContain(
      "import type { PluginContext, PluginRequest } from './oko-plugin.js';",
    );
  });

  it('builds with tsc, validates, and its own test passes on the output', async () => {
    const built = tsc(dir);
    expect(built.status, built.stdout + built.stderr).toBe(0);
    expect((await readdir(path.join(dir, 'dist'))).sort()).toEqual(['index.js']);
    const validate = await runCli(['validate', dir]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('valid plugin typed_board 0.1.0');
    const test = spawnSync(process.execPath, ['--test', '--test-reporter=tap'], { cwd: dir, encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);
  });

  it('the types catch a misuse of ctx, with the file and line', async () => {
    const copy = path.join(work, 'misuse');
    await runCli(['init', 'misuse_board', '--ts', '--dir', copy]);
    const source = path.join(copy, 'src/index.ts');
    await writeFile(
      source,
      (await readFile(source, 'utf8')).replace("ctx.log.info('misuse_board ready');", "ctx.log.inform('misuse_board ready');"),
    );
    const built = tsc(copy);
    expect(built.status).not.toBe(0);
    expect(built.stdout).toMatch(/src\/index\.ts\(\d+,\d+\): error TS2551: Property 'inform' does not exist on type 'PluginLogger'/);
  });

  it('the JavaScript scaffold stays the default', async () => {
    const run = await runCli(['init', 'plain_board'], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(await readdir(path.join(work, 'plain_board'))).toContain('index.js');
  });
});
