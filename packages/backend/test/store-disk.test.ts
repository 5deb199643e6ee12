import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import type { RunningService } from '../../../test-support/service.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginFiles, pluginZip, removeDir, sha256, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, post } from '../../../test-support/http.js';
import { BACKEND_ENTRY, startBackend } from '../../../test-support/processes.js';

// The plugins directory itself refuses the install: no permission, no space.

const isRoot = process.getuid?.() === 0;
/** Debian's unprivileged user. Root ignores permission bits, so the backend runs as this user. */
const NOBODY = 65534;

/** Whether `nobody` can run the built backend from where this checkout lies (not so under /root). */
function nobodyCanRunBackend(): boolean {
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(BACKEND_ENTRY)})`], {
    uid: NOBODY,
    gid: NOBODY,
  });
  return probe.status === 0;
}

let root: string;
let store: FakeStore;
const started: RunningService[] = [];

beforeAll(async () => {
  root = await tempDir('store-disk');
  // mkdtemp makes 0700; the unprivileged backend must be able to walk into it.
  await chmod(root, 0o755);
  const zip = await pluginZip({ name: 'roomy', files: { 'static/noise.bin': randomBytes(512 * 1024) } });
  store = await startFakeStore([
    { entry: { id: 'id_roomy', name: 'roomy', version: '1.0.0', size: zip.length, sha256: sha256(zip) }, zip },
  ]);
});

afterAll(async () => {
  for (const service of started) await service.stop();
  await store?.close();
  await removeDir(root);
});

/** The folder's content, on a tmpfs mounted over it and then remounted read-only (EROFS). */
function remountReadOnly(dir: string): boolean {
  const copy = `${dir}.content`;
  execFileSync('cp', ['-a', dir, copy]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  execFileSync('cp', ['-a', `${copy}/.`, dir]);
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  return true;
}

describe('a plugins directory the backend may not write', () => {
  let backend: RunningService;
  let pluginsDir: string;
  let readOnlyRemount = false;

  beforeAll(async () => {
    pluginsDir = path.join(root, 'readonly', 'plugins');
    const dataDir = path.join(root, 'readonly', 'data');
    await mkdir(dataDir, { recursive: true });
    await mkdir(path.join(pluginsDir, 'stuck'), { recursive: true });
    for (const [name, content] of Object.entries(pluginFiles({ name: 'stuck' })))
      await writeFile(path.join(pluginsDir, 'stuck', name), content);
    await chmod(path.join(root, 'readonly'), 0o755);
    await chmod(pluginsDir, 0o555);
    // As root, 0555 would not stop the writes: the backend runs as nobody, owning only its data
    // folder; where nobody cannot reach this checkout, the folder is made read-only by the kernel.
    const asNobody = isRoot && nobodyCanRunBackend();
    if (asNobody) await chown(dataDir, NOBODY, NOBODY);
    else if (isRoot) readOnlyRemount = remountReadOnly(pluginsDir);
    backend = await startBackend({ storeUrl: store.url, pluginsDir, dataDir, ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}) });
    started.push(backend);
  });

  afterAll(async () => {
    await backend?.stop();
    if (readOnlyRemount) execFileSync('umount', [pluginsDir]);
  });

  it('install answers 500 PLUGINS_DIR_NOT_WRITABLE naming the folder, and nothing changes', async () => {
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/id_roomy/install`), 500, 'PLUGINS_DIR_NOT_WRITABLE');
    expect(message).toContain(pluginsDir);
    expect(await listDir(pluginsDir)).toEqual(['stuck']);
  });

  it('uninstall answers the same and the plugin stays installed and listed', async () => {
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/stuck/uninstall`), 500, 'PLUGINS_DIR_NOT_WRITABLE');
    expect(message).toContain(pluginsDir);
    expect(await listDir(pluginsDir)).toEqual(['stuck']);
    const plugins = await getJson<{ plugins: Array<{ id: string }> }>(`${api(backend)}/plugins`);
    expect(plugins.body.plugins.map((p) => p.id)).toEqual(['stuck']);
  });
});

/** 128 KiB of room; the package is 512 KiB of noise. */
const ROOM_BYTES = 128 * 1024;
/** A file-size limit on the backend process (RLIMIT_FSIZE): its writes past it fail with EFBIG. */
const FSIZE_LIMIT = ['prlimit', `--fsize=${ROOM_BYTES}`, '--'];

/**
 * A real full disk: a 128 KiB tmpfs over the plugins folder. Mounting needs root with mount rights
 * (CI runs as root); where mounting is refused, the backend gets a real file-size limit instead,
 * so the failure is still produced by the kernel, never faked.
 */
function mountTinyDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${ROOM_BYTES}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (error) {
    console.warn(`tmpfs not available (${(error as Error).message.split('\n')[0]}); using a file-size limit instead`);
    return false;
  }
}

describe.each([
  { how: 'a full disk (tmpfs, or a file-size limit where mounting is refused)', tmpfs: true },
  { how: 'a file-size limit on the backend process', tmpfs: false },
])('a plugins directory without room: $how', ({ tmpfs }) => {
  let backend: RunningService;
  let pluginsDir: string;
  let mounted = false;

  beforeAll(async () => {
    pluginsDir = path.join(root, tmpfs ? 'full' : 'limited', 'plugins');
    await mkdir(pluginsDir, { recursive: true });
    mounted = tmpfs && mountTinyDisk(pluginsDir);
    backend = await startBackend({
      storeUrl: store.url,
      pluginsDir,
      dataDir: path.join(root, tmpfs ? 'full' : 'limited', 'data'),
      ...(mounted ? {} : { launcher: FSIZE_LIMIT }),
    });
    started.push(backend);
  });

  afterAll(async () => {
    await backend?.stop();
    if (mounted) execFileSync('umount', [pluginsDir]);
  });

  it('install answers 507 INSUFFICIENT_STORAGE and leaves the folder empty', async () => {
    await expectErrorAnswer(await post(`${api(backend)}/store/id_roomy/install`), 507, 'INSUFFICIENT_STORAGE');
    expect(await listDir(pluginsDir)).toEqual([]);
  });
});
