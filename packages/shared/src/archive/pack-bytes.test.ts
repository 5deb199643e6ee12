import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { packPluginDirectory, sha256File } from './index.js';
import { noise } from '../../../../test-support/fixtures.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-pack-bytes-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

// The packer's output is part of the catalog (a package's sha256 is its identity: a republish of
// the same version must hash the same). These bytes were produced by the packer before its reads
// and CRC-32 were made faster; any change to them must be deliberate.
it('packs a folder to exactly the bytes it always produced', async () => {
  const dir = path.join(work, 'plugin');
  await mkdir(path.join(dir, 'static', 'img'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'bytes_plugin', version: '1.0.0' }, null, 2));
  await writeFile(path.join(dir, 'index.js'), 'export async function setup() {}\n'.repeat(50));
  await writeFile(path.join(dir, 'empty.txt'), '');
  await writeFile(path.join(dir, 'static', 'img', 'logo.png'), noise(1000));
  // Bigger than one read chunk (256 KiB), stored (incompressible), then one that deflates.
  await writeFile(path.join(dir, 'static', 'blob.bin'), noise(700 * 1024));
  await writeFile(path.join(dir, 'static', 'text.css'), 'body { color: red; }\n'.repeat(40_000));
  const out = path.join(work, 'out.zip');
  const packed = await packPluginDirectory(dir, out);
  expect(await sha256File(out)).toBe(packed.sha256);
  expect(packed).toEqual({ size: GOLDEN_SIZE, sha256: GOLDEN_SHA256 });
});

const GOLDEN_SIZE = 720_708;
const GOLDEN_SHA256 = '425295465aad85e4c1619cbaffb023f1da4d2de4b616ac3af3163d8ad07828df';
