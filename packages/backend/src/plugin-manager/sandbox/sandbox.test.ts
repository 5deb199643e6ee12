import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normalizePermissions } from '@oko/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procZones, readAllowList } from './allow-list.js';
import { buildGuardPolicy } from './guard-policy.js';
import { freshEnv } from './launch-plan.js';
import { permissionFlag, sandboxFlags } from './node-flags.js';

describe('the Node flags of a plugin process', () => {
  it.each([
    ['20.20.2', '--experimental-permission'],
    ['22.12.0', '--experimental-permission'],
    ['22.13.0', '--permission'],
    ['24.21.0', '--permission'],
  ])('on Node %s uses %s', (version, flag) => expect(permissionFlag(version)).toBe(flag));

  it('grants reads and writes one path per flag, and never a child process, worker, addon or WASI', () => {
    const flags = sandboxFlags({ readPaths: ['/rt', '/p', '/p'], writePaths: ['/d'], memoryMb: 64 }, '24.21.0');
    expect(flags).toEqual([
      '--permission',
      '--disable-warning=ExperimentalWarning',
      '--max-old-space-size=64',
      '--allow-fs-read=/rt',
      '--allow-fs-read=/p',
      '--allow-fs-write=/d',
    ]);
    expect(flags.join(' ')).not.toMatch(/allow-(child-process|worker|addons|wasi)/);
  });

  it("leaves NODE_* names out of the plugin's environment whatever was entered", () => {
    expect(freshEnv({ TOKEN: 'x', NODE_OPTIONS: '--allow-child-process', node_path: '/' })).toEqual({ TOKEN: 'x' });
  });
});

describe('the read allow-list', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'oko-allow-list-'));
    for (const dir of ['plugins/mine', 'plugins/other', 'data/plugins/mine', 'data/state', 'shared/docs', 'shared/more/deep']) {
      await mkdir(path.join(root, dir), { recursive: true });
    }
    await mkdir(path.join(root, 'shared', 'docs', 'nested'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const zones = () => [path.join(root, 'plugins'), path.join(root, 'data')];

  it('keeps a declared folder that holds no zone whole', async () => {
    expect(await readAllowList([path.join(root, 'shared', 'docs')], zones())).toEqual([path.join(root, 'shared', 'docs')]);
  });

  it('replaces a declared folder holding a zone by its entries minus the zone, recursively', async () => {
    const allowed = await readAllowList([root], zones());
    expect(allowed.sort()).toEqual([path.join(root, 'shared')]);
    const deeper = await readAllowList([root], [...zones(), path.join(root, 'shared', 'more', 'deep')]);
    expect(deeper.sort()).toEqual([path.join(root, 'shared', 'docs')]);
  });

  it('never passes a `*` on, which Node would read as a wildcard reaching past the zones', async () => {
    await mkdir(path.join(root, 'star*'), { recursive: true });
    const allowed = await readAllowList([`${root}/*`, `${root}/sh*`], zones());
    expect(allowed.sort()).toEqual([path.join(root, 'shared')]);
    await rm(path.join(root, 'star*'), { recursive: true });
  });

  it('drops a declared path inside a zone, and one that leads into a zone through a symlink', async () => {
    const links = await mkdtemp(path.join(tmpdir(), 'oko-allow-links-'));
    await symlink(path.join(root, 'data'), path.join(links, 'to-data'));
    try {
      expect(await readAllowList([path.join(root, 'plugins', 'other'), path.join(links, 'to-data')], zones())).toEqual([]);
    } finally {
      await rm(links, { recursive: true, force: true });
    }
  });

  it('expands a declared /proc to its entries minus every process folder and the links out of /proc/self', async () => {
    const allowed = await readAllowList(['/proc'], await procZones());
    expect(allowed).toContain('/proc/cpuinfo');
    expect(allowed).toContain('/proc/self/status');
    expect(allowed.filter((entry) => /^\/proc\/\d+/.test(entry))).toEqual([]);
    for (const link of ['root', 'cwd', 'exe', 'fd', 'map_files', 'task']) expect(allowed).not.toContain(`/proc/self/${link}`);
    expect(allowed).not.toContain('/proc/self');
    expect(allowed).not.toContain('/proc/thread-self');
  });

  it('takes out the links of /dev that lead into /proc (/dev/fd/../root would be the whole machine)', async () => {
    const zones = await procZones();
    expect(zones).toContain('/dev/fd');
    expect(zones).toContain('/dev/stdin');
    const allowed = await readAllowList(['/dev'], zones);
    expect(allowed).not.toContain('/dev');
    expect(allowed).not.toContain('/dev/fd');
    expect(allowed).toContain('/dev/null');
  });
});

describe('the guard policy a plugin process receives', () => {
  const permissions = normalizePermissions({ network: ['api.github.com:443', '127.0.0.1:*'], listen: true });
  const base = { permissions, pluginDir: '/plugins/p', dataDir: '/data/plugins/p', ownPorts: [8123] };

  it('holds the granted network and listen, its own folders for sockets, and denies the backend and the store', async () => {
    const policy = await buildGuardPolicy({
      ...base,
      storeUrl: 'https://store.example.com/api/v1',
      lookup: async () => ['203.0.113.7', '2001:db8::7'],
    });
    expect(policy).toEqual({
      network: ['127.0.0.1:*', 'api.github.com:443'],
      listen: true,
      socketDirs: ['/plugins/p', '/data/plugins/p'],
      denied: [
        { address: 'local', port: 8123 },
        { address: '203.0.113.7', port: 443 },
        { address: '2001:db8::7', port: 443 },
      ],
    });
  });

  it('denies a store on this machine on every local address, and grants nothing undeclared', async () => {
    const policy = await buildGuardPolicy({
      ...base,
      permissions: normalizePermissions({}),
      storeUrl: 'http://localhost:8001/api/v1',
      lookup: async () => ['127.0.0.1', '::1'],
    });
    expect(policy).toMatchObject({ network: [], listen: false });
    expect(policy.denied).toEqual([
      { address: 'local', port: 8123 },
      { address: 'local', port: 8001 },
    ]);
  });

  it('takes an IP address in the store URL as it is, without a lookup', async () => {
    const policy = await buildGuardPolicy({
      ...base,
      storeUrl: 'http://[2001:db8::1]:9000',
      lookup: () => Promise.reject(new Error('no lookup')),
    });
    expect(policy.denied).toContainEqual({ address: '2001:db8::1', port: 9000 });
  });
});
