import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { PluginManager } from './plugin-manager.js';
import { PluginScanner } from './scanner.js';

let root: string;
let pluginsDir: string;
let manager: PluginManager;

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as FastifyBaseLogger;

async function addPlugin(name: string): Promise<void> {
  await mkdir(path.join(pluginsDir, name), { recursive: true });
  await writeFile(
    path.join(pluginsDir, name, 'manifest.json'),
    JSON.stringify({ name, version: '1.0.0', description: 'A test plugin', author: 'Tests' }),
  );
}

/** Holds the next scan once it has read the folders (`read`) until `open()`. */
function holdNextScan(): { read: Promise<void>; open: () => void } {
  const original = PluginScanner.prototype.scan;
  let open!: () => void;
  let readDone!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const read = new Promise<void>((resolve) => (readDone = resolve));
  vi.spyOn(PluginScanner.prototype, 'scan').mockImplementationOnce(async function (this: PluginScanner, ...args) {
    const found = await original.apply(this, args);
    readDone();
    await gate;
    return found;
  });
  return { read, open };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
const hasRecord = (id: string) => (manager as unknown as { context: { records: Map<string, unknown> } }).context.records.has(id);

const names = async () => (await manager.list()).map((p) => p.id);

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'oko-manager-test-'));
  pluginsDir = path.join(root, 'plugins');
  await addPlugin('alpha');
  manager = new PluginManager(
    loadConfig({ OKO_PLUGINS_DIR: pluginsDir, OKO_DATA_DIR: path.join(root, 'data'), OKO_BUILTIN_PLUGINS_DIR: '' }),
    quiet,
  );
  await manager.init();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await manager.shutdown();
  await rm(root, { recursive: true, force: true });
});

describe('plugin manager rescans', () => {
  it('runs at most two scans for 20 concurrent callers', async () => {
    const scans = vi.spyOn(PluginScanner.prototype, 'scan');
    await Promise.all([...Array.from({ length: 10 }, () => manager.rescan()), ...Array.from({ length: 10 }, () => manager.list())]);
    expect(scans.mock.calls.length).toBeLessThanOrEqual(2);
    await manager.rescan();
    expect(scans.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('shows a caller a folder added after a running scan read the disk', async () => {
    const { read, open } = holdNextScan();
    const running = manager.rescan();
    await read;
    await addPlugin('beta');
    const listed = names();
    open();
    await running;
    expect(await listed).toEqual(['alpha', 'beta']);
  });

  it('lets a caller holding a plugin lock see that plugin removed, in a scan it shares', async () => {
    const { read, open } = holdNextScan();
    const running = manager.rescan();
    await read;
    await rm(path.join(pluginsDir, 'alpha'), { recursive: true });
    // An unlocked caller queues the follow-up scan first; the lock holder (as an uninstall is) joins it.
    const listed = names();
    const stillThere = manager.withPluginLock('alpha', async () => {
      await manager.rescan();
      return hasRecord('alpha');
    });
    await tick();
    open();
    await running;
    expect(await stillThere).toBe(false);
    expect(await listed).toEqual([]);
    expect(PluginScanner.prototype.scan).toHaveBeenCalledTimes(2);
  });
});

describe('plugin manager discovering one plugin', () => {
  it('reads the one folder asked for, without a scan of the others', async () => {
    await manager.list();
    await addPlugin('beta');
    await addPlugin('gamma');
    const scans = vi.spyOn(PluginScanner.prototype, 'scan');
    expect(await manager.discover('beta')).toMatchObject({ id: 'beta', state: 'discovered', scope: 'external' });
    expect(scans).not.toHaveBeenCalled();
    expect(hasRecord('gamma')).toBe(false);
    await rm(path.join(pluginsDir, 'alpha'), { recursive: true });
    expect(await manager.discover('alpha')).toBeUndefined();
    expect(hasRecord('alpha')).toBe(false);
    expect(await names()).toEqual(['beta', 'gamma']);
  });

  it('is not undone by a scan that read the plugins folder before the folder was placed', async () => {
    const { read, open } = holdNextScan();
    const running = manager.rescan();
    await read;
    await addPlugin('beta');
    const discovered = manager.discover('beta');
    await tick();
    open();
    await running;
    expect(await discovered).toMatchObject({ id: 'beta' });
    expect(hasRecord('beta')).toBe(true);
  });
});

describe('restore after a restart', () => {
  const statesFile = () => path.join(root, 'data', 'plugin-states.json');
  const restarted = async () => {
    await manager.shutdown();
    manager = new PluginManager(
      loadConfig({ OKO_PLUGINS_DIR: pluginsDir, OKO_DATA_DIR: path.join(root, 'data'), OKO_BUILTIN_PLUGINS_DIR: '' }),
      quiet,
    );
    await manager.init();
  };

  it('leaves the plugin whose restore the backend did not survive in error, out of the active set', async () => {
    await addPlugin('beta');
    await writeFile(statesFile(), JSON.stringify({ version: 1, disabled: [], active: ['alpha', 'beta'], restoring: 'beta' }));
    await restarted();
    const beta = (await manager.list()).find((p) => p.id === 'beta')!;
    expect(beta.state).toBe('error');
    expect(beta.error!.reason).toMatch(/the backend stopped while loading this plugin again after a restart.*load it by hand/);
    // saved before anything is loaded, so a second death cannot be blamed on it again
    expect(JSON.parse(await readFile(statesFile(), 'utf8'))).toEqual({ version: 1, disabled: [], active: ['alpha'] });
  });

  it('keeps a disabled plugin disabled even when it was being restored', async () => {
    await writeFile(statesFile(), JSON.stringify({ version: 1, disabled: ['alpha'], active: ['alpha'], restoring: 'alpha' }));
    await restarted();
    expect((await manager.list()).map((p) => p.state)).toEqual(['disabled']);
  });
});
