import { mkdir, mkdtemp, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PluginScanner } from './scanner.js';

let root: string;
let pluginsDir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'oko-scanner-test-'));
  pluginsDir = path.join(root, 'plugins');
  await mkdir(pluginsDir);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const manifest = (name: string, description = 'A test plugin') => JSON.stringify({ name, version: '1.0.0', description, author: 'Tests' });

async function addPlugin(
  name: string,
  files: Record<string, string> = { 'manifest.json': manifest(name) },
  dir = pluginsDir,
): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(folder, file), content);
  return folder;
}

describe('plugin scanner cache', () => {
  it('does not read an unchanged plugin again, and hands back the same result', async () => {
    await addPlugin('alpha');
    await addPlugin('beta', { 'manifest.json': manifest('beta'), 'ui.yaml': 'has_page: true\n' });
    const scanner = new PluginScanner();
    const first = await scanner.scan(pluginsDir, null);
    expect(scanner.reads).toBe(2);
    const second = await scanner.scan(pluginsDir, null);
    expect(scanner.reads).toBe(2);
    expect(second.get('alpha')).toBe(first.get('alpha'));
    expect(second.get('beta')).toBe(first.get('beta'));
    expect(second.get('beta')?.ui).toMatchObject({ has_page: true });
  });

  it('reads again only the plugin whose manifest changed', async () => {
    const alpha = await addPlugin('alpha');
    await addPlugin('beta');
    const scanner = new PluginScanner();
    const first = await scanner.scan(pluginsDir, null);
    await writeFile(path.join(alpha, 'manifest.json'), manifest('alpha', 'Changed'));
    const second = await scanner.scan(pluginsDir, null);
    expect(scanner.reads).toBe(3);
    expect(second.get('alpha')?.manifest?.description).toBe('Changed');
    expect(second.get('beta')).toBe(first.get('beta'));
  });

  it('sees a same-size edit whose mtime was put back (ctime still moves)', async () => {
    const alpha = await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'one') });
    const file = path.join(alpha, 'manifest.json');
    const before = await stat(file);
    const scanner = new PluginScanner();
    await scanner.scan(pluginsDir, null);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(file, manifest('alpha', 'two'));
    await utimes(file, before.atime, before.mtime);
    expect((await scanner.scan(pluginsDir, null)).get('alpha')?.manifest?.description).toBe('two');
  });

  it('sees a ui.yaml added, broken and removed, and a manifest fixed', async () => {
    const alpha = await addPlugin('alpha', { 'manifest.json': '{ not json' });
    const scanner = new PluginScanner();
    expect((await scanner.scan(pluginsDir, null)).get('alpha')?.manifest).toBeNull();
    await writeFile(path.join(alpha, 'manifest.json'), manifest('alpha'));
    expect((await scanner.scan(pluginsDir, null)).get('alpha')?.manifest?.name).toBe('alpha');
    await writeFile(path.join(alpha, 'ui.yaml'), 'has_page: true\n');
    expect((await scanner.scan(pluginsDir, null)).get('alpha')?.ui).toMatchObject({ has_page: true });
    await writeFile(path.join(alpha, 'ui.yaml'), 'has_page: [not, a, boolean]\n');
    const broken = (await scanner.scan(pluginsDir, null)).get('alpha');
    expect(broken?.manifest).toBeNull();
    expect(broken?.issues.some((issue) => issue.file === 'ui.yaml')).toBe(true);
    await rm(path.join(alpha, 'ui.yaml'));
    const fixed = (await scanner.scan(pluginsDir, null)).get('alpha');
    expect(fixed?.issues).toEqual([]);
    expect(fixed?.ui).toEqual({});
  });

  it('sees a folder replaced by a rename, and forgets removed folders', async () => {
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'old') });
    const scanner = new PluginScanner();
    await scanner.scan(pluginsDir, null);
    const staged = await addPlugin('.staging', { 'manifest.json': manifest('alpha', 'new') });
    await rm(path.join(pluginsDir, 'alpha'), { recursive: true });
    await rename(staged, path.join(pluginsDir, 'alpha'));
    expect((await scanner.scan(pluginsDir, null)).get('alpha')?.manifest?.description).toBe('new');
    await rm(path.join(pluginsDir, 'alpha'), { recursive: true });
    expect((await scanner.scan(pluginsDir, null)).has('alpha')).toBe(false);
  });

  it('prefers a builtin over an installed folder of the same name', async () => {
    const builtinDir = path.join(root, 'builtin');
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'builtin') }, builtinDir);
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'installed') });
    const scanner = new PluginScanner();
    for (let i = 0; i < 2; i++) {
      const found = (await scanner.scan(pluginsDir, builtinDir)).get('alpha');
      expect(found).toMatchObject({ scope: 'builtin', manifest: { description: 'builtin' } });
    }
  });
});

describe('plugin scanner roots', () => {
  it('finds development plugins in a third root with scope dev, hides its dot-folders, and lets an installed name win', async () => {
    const devDir = path.join(root, 'dev');
    await addPlugin('alpha');
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'the dev copy') }, devDir);
    await addPlugin('gamma', undefined, devDir);
    await addPlugin('.work', { 'manifest.json': manifest('work') }, devDir);
    const found = await new PluginScanner().scan(pluginsDir, null, devDir);
    expect([...found.keys()].sort()).toEqual(['alpha', 'gamma']);
    expect(found.get('alpha')).toMatchObject({ scope: 'external', manifest: { description: 'A test plugin' } });
    expect(found.get('gamma')).toMatchObject({ scope: 'dev', dir: path.join(devDir, 'gamma') });
  });
});

describe('plugin scanner, one folder', () => {
  it('finds one plugin as a full scan would, in the first root that holds it, and reuses what a scan read', async () => {
    const builtinDir = path.join(root, 'builtin');
    const devDir = path.join(root, 'dev');
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'builtin') }, builtinDir);
    await addPlugin('alpha', { 'manifest.json': manifest('alpha', 'installed') });
    await addPlugin('beta');
    await addPlugin('gamma', undefined, devDir);
    const scanner = new PluginScanner();
    const full = await scanner.scan(pluginsDir, builtinDir, devDir);
    // The installed alpha is read too, then shadowed by the builtin one.
    expect(scanner.reads).toBe(4);
    for (const id of ['alpha', 'beta', 'gamma']) expect(await scanner.scanOne(id, pluginsDir, builtinDir, devDir)).toBe(full.get(id));
    expect(scanner.reads).toBe(4);
    expect(await scanner.scanOne('delta', pluginsDir, builtinDir, devDir)).toBeUndefined();
    expect(await scanner.scanOne('../beta', pluginsDir, builtinDir, devDir)).toBeUndefined();
  });

  it('sees a folder placed, changed or removed since the last scan, and no other folder', async () => {
    const scanner = new PluginScanner();
    await scanner.scan(pluginsDir, null);
    const staged = await addPlugin('.staging-x', { 'manifest.json': manifest('alpha', 'placed') });
    await rename(staged, path.join(pluginsDir, 'alpha'));
    await addPlugin('beta');
    expect((await scanner.scanOne('alpha', pluginsDir, null))?.manifest?.description).toBe('placed');
    expect(scanner.reads).toBe(1);
    await writeFile(path.join(pluginsDir, 'alpha', 'manifest.json'), manifest('alpha', 'changed'));
    expect((await scanner.scanOne('alpha', pluginsDir, null))?.manifest?.description).toBe('changed');
    await rm(path.join(pluginsDir, 'alpha'), { recursive: true });
    expect(await scanner.scanOne('alpha', pluginsDir, null)).toBeUndefined();
    expect(scanner.reads).toBe(2);
  });

  it('takes a symlink to a folder for no plugin, as a scan does', async () => {
    const elsewhere = await addPlugin('alpha', undefined, path.join(root, 'elsewhere'));
    await symlink(elsewhere, path.join(pluginsDir, 'alpha'));
    const scanner = new PluginScanner();
    expect((await scanner.scan(pluginsDir, null)).has('alpha')).toBe(false);
    expect(await scanner.scanOne('alpha', pluginsDir, null)).toBeUndefined();
  });
});
