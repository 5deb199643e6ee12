import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffSnapshots, excludedFromDev, isEmptyDiff, snapshotFolder } from './files.js';

describe('excludedFromDev', () => {
  it.each([
    'node_modules',
    'node_modules/typescript/lib/tsc.js',
    'src/node_modules/x.js',
    '.git/HEAD',
    'test',
    'test/plugin.test.js',
    '.DS_Store',
  ])('leaves out %s, as pack does', (rel) => expect(excludedFromDev(rel)).toBe(true));
  it.each(['src/.index.ts.swp', '.index.js.swx', '4913', 'src/4913', '.#index.js', 'index.js~'])(
    'leaves out the editor temp file %s',
    (rel) => expect(excludedFromDev(rel)).toBe(true),
  );
  it.each([
    'index.js',
    'src/index.ts',
    'dist/index.js',
    'manifest.json',
    'static/test/page.html',
    'lib/test.js',
    '.gitignore',
    'tests/a.js',
  ])('keeps %s', (rel) => expect(excludedFromDev(rel)).toBe(false));
});

describe('snapshots and their difference', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'oko-dev-files-'));
    await mkdir(path.join(dir, 'lib'));
    await mkdir(path.join(dir, 'node_modules/x'), { recursive: true });
    await writeFile(path.join(dir, 'index.js'), 'export async function setup() {}\n');
    await writeFile(path.join(dir, 'lib/a.js'), 'export const a = 1;\n');
    await writeFile(path.join(dir, 'node_modules/x/index.js'), 'ignored\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists what pack would package, each with its SHA-256', async () => {
    const snapshot = await snapshotFolder(dir);
    expect([...snapshot.keys()]).toEqual(['index.js', 'lib/a.js']);
    expect(snapshot.get('lib/a.js')!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a first push carries every file; an unchanged folder carries nothing', async () => {
    const snapshot = await snapshotFolder(dir);
    expect(diffSnapshots(new Map(), snapshot)).toEqual({ changed: ['index.js', 'lib/a.js'], removed: [] });
    expect(isEmptyDiff(diffSnapshots(snapshot, await snapshotFolder(dir, snapshot)))).toBe(true);
  });

  it('an edit, a new file and a deleted file become files and removed', async () => {
    const before = await snapshotFolder(dir);
    await writeFile(path.join(dir, 'index.js'), 'export async function setup(ctx) { ctx.log.info("v2"); }\n');
    await writeFile(path.join(dir, 'lib/b.js'), 'export const b = 2;\n');
    await rm(path.join(dir, 'lib/a.js'));
    expect(diffSnapshots(before, await snapshotFolder(dir, before))).toEqual({ changed: ['index.js', 'lib/b.js'], removed: ['lib/a.js'] });
  });

  it('a file rewritten with the same bytes (a build output, a save without edits) is no change', async () => {
    const before = await snapshotFolder(dir);
    await writeFile(path.join(dir, 'index.js'), 'export async function setup() {}\n');
    expect(isEmptyDiff(diffSnapshots(before, await snapshotFolder(dir, before)))).toBe(true);
  });

  it('an edit that keeps the size is still seen', async () => {
    const before = await snapshotFolder(dir);
    await writeFile(path.join(dir, 'lib/a.js'), 'export const a = 2;\n');
    expect(diffSnapshots(before, await snapshotFolder(dir, before)).changed).toEqual(['lib/a.js']);
  });

  it('refuses a symbolic link, as pack does', async () => {
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/passwd', path.join(dir, 'lib/link.js'));
    await expect(snapshotFolder(dir)).rejects.toThrow(/symbolic link: lib\/link.js/);
  });
});
