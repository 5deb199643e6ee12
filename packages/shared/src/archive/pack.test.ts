import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractPluginArchive, inspectPluginDirectory, packPluginDirectory, sha256File } from './index.js';
import { manifestText } from './raw-zip.js';

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

  it('leaves out what the exclude option names', async () => {
    await mkdir(path.join(plugin, 'node_modules', 'x'), { recursive: true });
    await writeFile(path.join(plugin, 'node_modules', 'x', 'i.js'), '');
    const withModules = await packPluginDirectory(plugin, path.join(work, 'a.zip'), { exclude: (rel) => rel === 'node_modules' });
    await rm(path.join(plugin, 'node_modules'), { recursive: true });
    const without = await packPluginDirectory(plugin, path.join(work, 'b.zip'));
    expect(withModules.sha256).toBe(without.sha256);
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
