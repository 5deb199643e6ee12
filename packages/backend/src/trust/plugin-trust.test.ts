import { cp, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PluginManifest } from '@oko/shared';
import { removeDir, tempDir } from '../../../../test-support/fixtures.js';
import type { BackendConfig } from '../config.js';
import type { ScannedPlugin } from '../plugin-manager/scanner.js';
import { PluginTrust } from './plugin-trust.js';

const log = { error: () => {}, warn: () => {}, info: () => {} } as unknown as FastifyBaseLogger;
const manifest = { name: 'seeded', version: '1.0.0', description: 'x', main: 'index.js' } as PluginManifest;
const roots: string[] = [];

afterAll(async () => {
  for (const root of roots) await removeDir(root);
});

/** A trust with no keys, and a plugin staged, admitted and kept, then renamed into plugins/ as an install does. */
async function installed() {
  const root = await tempDir('plugin-trust');
  roots.push(root);
  const config = { dataDir: path.join(root, 'data'), trust: { trustedKeysDir: null, signaturePolicy: 'warn' } };
  const trust = new PluginTrust(config as unknown as BackendConfig, log);
  await trust.init();
  const staged = path.join(root, 'plugins', '.staging-1', 'seeded');
  await mkdir(staged, { recursive: true });
  await writeFile(path.join(staged, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(path.join(staged, 'index.js'), 'export async function setup() {}\n');
  const admission = await trust.admit(staged, manifest);
  await trust.keep('seeded', admission);
  const dir = path.join(root, 'plugins', 'seeded');
  await rename(staged, dir);
  const scanOf = (): ScannedPlugin => ({ id: 'seeded', dir, scope: 'external', manifest, ui: {}, issues: [] });
  // Every judgement of an installed folder (a hashing pass) reads its file record first.
  const judged = vi.spyOn(trust['records'], 'read');
  return { trust, dir, scanOf, judged };
}

describe('PluginTrust after an install', () => {
  it('answers the first view of the placed folder with the admission, without hashing its files again', async () => {
    const { trust, scanOf, judged } = await installed();
    const scan = scanOf();
    expect(await trust.signatureOf(scan)).toEqual({ state: 'unsigned' });
    expect(await trust.signatureOf(scan)).toEqual({ state: 'unsigned' });
    expect(judged).not.toHaveBeenCalled();
  });

  it('hashes again for the check before a start, and for any later scan of the folder', async () => {
    const { trust, dir, scanOf, judged } = await installed();
    await writeFile(path.join(dir, 'index.js'), 'changed after install\n');
    expect((await trust.check(scanOf())).signature).toMatchObject({ state: 'modified' });
    expect(await trust.signatureOf(scanOf())).toMatchObject({ state: 'modified' });
    expect(judged).toHaveBeenCalledTimes(2);
  });

  it('hashes a folder at that path that is not the one admitted', async () => {
    const { trust, dir, scanOf } = await installed();
    const copy = `${dir}-copy`;
    await cp(dir, copy, { recursive: true });
    await writeFile(path.join(copy, 'index.js'), 'swapped in\n');
    await removeDir(dir);
    await rename(copy, dir);
    expect(await trust.signatureOf(scanOf())).toMatchObject({ state: 'modified', reason: expect.stringContaining('index.js') });
  });

  it('forgets the admission with the plugin, and when the trusted keys change', async () => {
    const first = await installed();
    await first.trust.forget('seeded');
    expect(await first.trust.signatureOf(first.scanOf())).toEqual({ state: 'unsigned' });
    expect(first.judged).toHaveBeenCalledTimes(1);

    const second = await installed();
    second.trust.keys.onChange();
    await second.trust.signatureOf(second.scanOf());
    expect(second.judged).toHaveBeenCalledTimes(1);
  });
});
