import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { extractPluginArchive, inspectPluginDirectory, packPluginDirectory, sha256File } from './index.js';
import { manifestText } from '../../../../test-support/raw-zip.js';

let work: string;
let plugin: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-pack-'));
  plugin = path.join(work, 'plugin');
  await mkdir(path.join(plugin, 'static'), { recursive: true });
  await writeFile(path.join(plugin, 'manifest.json'), manifestText());
  await writeFile(path.join(plugin, 'index.js'), 'export async function setup() {}\n');
  await writeFile(path.join(plugin, 'static', 'app.css'), 'body{}');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('packPluginDirectory', () => {
  it('gives the same bytes for the same content, whatever the file times', async () => {
    const first = await packPluginDirectory(plugin, path.join(work, 'a.zip'));
    await utimes(path.join(plugin, 'index.js'), new Date(2011, 1, 1), new Date(2011, 1, 1));
    const second = await packPluginDirectory(plugin, path.join(work, 'b.zip'));
    expect(second).toEqual(first);
    expect(await sha256File(path.join(work, 'a.zip'))).toBe(first.sha256);
    expect((await readFile(path.join(work, 'a.zip'))).length).toBe(first.size);
  });

  it('puts the plugin at the archive root so it extracts back unchanged', async () => {
    await packPluginDirectory(plugin, path.join(work, 'p.zip'));
    const dest = path.join(work, 'dest');
    await mkdir(dest);
    const result = await extractPluginArchive(path.join(work, 'p.zip'), dest);
    expect(result.pluginDir).toBe(dest);
    expect(result.entries).toBe(3);
    expect(await readFile(path.join(dest, 'static', 'app.css'), 'utf8')).toBe('body{}');
  });

  it('refuses a folder with a symbolic link and leaves no output', async () => {
    await symlink('/etc/passwd', path.join(plugin, 'link'));
    await expect(packPluginDirectory(plugin, path.join(work, 'p.zip'))).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    await expect(readFile(path.join(work, 'p.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a folder nested deeper than an archive path may be, and packs the deepest allowed', async () => {
    const allowed = path.join(plugin, ...Array.from({ length: 31 }, () => 'd'));
    await mkdir(allowed, { recursive: true });
    await writeFile(path.join(allowed, 'f.txt'), 'x');
    await packPluginDirectory(plugin, path.join(work, 'ok.zip'));
    await mkdir(path.join(allowed, 'd'));
    await writeFile(path.join(allowed, 'd', 'f.txt'), 'x');
    await expect(packPluginDirectory(plugin, path.join(work, 'deep.zip'))).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
  });

  it('leaves out what the exclude option names', async () => {
    await mkdir(path.join(plugin, 'node_modules', 'x'), { recursive: true });
    await writeFile(path.join(plugin, 'node_modules', 'x', 'i.js'), '');
    const withModules = await packPluginDirectory(plugin, path.join(work, 'a.zip'), { exclude: (rel) => rel === 'node_modules' });
    await rm(path.join(plugin, 'node_modules'), { recursive: true });
    const without = await packPluginDirectory(plugin, path.join(work, 'b.zip'));
    expect(withModules.sha256).toBe(without.sha256);
  });
});

/** Entry name -> ZIP compression method (0 stored, 8 deflate). */
async function methodsOf(zipFile: string): Promise<Record<string, number>> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true });
  const methods: Record<string, number> = {};
  for await (const entry of zip.eachEntry()) methods[entry.fileName] = entry.compressionMethod;
  zip.close();
  return methods;
}

describe('packPluginDirectory: stored or deflated', () => {
  const noise = randomBytes(300 * 1024);
  beforeEach(async () => {
    await writeFile(path.join(plugin, 'static', 'noise.bin'), noise);
    // Text under a compressed format's name: stored by the name alone, without a trial.
    await writeFile(path.join(plugin, 'static', 'logo.PNG'), 'not really a png '.repeat(100));
    await writeFile(path.join(plugin, 'static', 'empty.txt'), '');
    await writeFile(path.join(plugin, 'static', 'text.js'), 'export const words = "some text that repeats";\n'.repeat(2000));
  });

  it('stores incompressible data, compressed formats and empty files, and deflates text', async () => {
    await packPluginDirectory(plugin, path.join(work, 'p.zip'));
    expect(await methodsOf(path.join(work, 'p.zip'))).toEqual({
      'index.js': 0, // one short line: deflate saves under 5 %
      'manifest.json': 8,
      'static/app.css': 0,
      'static/empty.txt': 0,
      'static/logo.PNG': 0,
      'static/noise.bin': 0,
      'static/text.js': 8,
    });
  });

  it('packs the same folder to identical bytes every time', async () => {
    const first = await packPluginDirectory(plugin, path.join(work, 'a.zip'));
    const second = await packPluginDirectory(plugin, path.join(work, 'b.zip'));
    expect(second).toEqual(first);
    expect((await readFile(path.join(work, 'a.zip'))).equals(await readFile(path.join(work, 'b.zip')))).toBe(true);
  });

  it('gives a package that extracts back unchanged under the archive rules', async () => {
    await packPluginDirectory(plugin, path.join(work, 'p.zip'));
    const dest = path.join(work, 'dest');
    await mkdir(dest);
    const result = await extractPluginArchive(path.join(work, 'p.zip'), dest);
    expect(result.manifest.name).toBe('demo_plugin');
    expect(result.entries).toBe(7);
    expect((await readFile(path.join(dest, 'static', 'noise.bin'))).equals(noise)).toBe(true);
    expect(await readFile(path.join(dest, 'static', 'text.js'), 'utf8')).toMatch(/^export const words/);
  });
});

describe('inspectPluginDirectory', () => {
  it('finds nothing wrong with a complete plugin', async () => {
    expect(await inspectPluginDirectory(plugin)).toEqual([]);
  });
  it('reports a missing main file and a bad ui.yaml together', async () => {
    await rm(path.join(plugin, 'index.js'));
    await writeFile(path.join(plugin, 'ui.yaml'), 'menu_order: first\n');
    const issues = await inspectPluginDirectory(plugin);
    expect(issues.map((i) => `${i.file}:${i.path}`)).toEqual(expect.arrayContaining(['manifest.json:main', 'ui.yaml:menu_order']));
  });
  it('reports a folder that does not exist', async () => {
    expect(await inspectPluginDirectory(path.join(work, 'nope'))).toHaveLength(1);
  });
});
