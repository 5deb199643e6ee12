import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { packPluginDirectory } from '@oko/shared/archive';
import { request } from '../../../test-support/http.js';
import { zipFiles } from '../../../test-support/fixtures.js';
import { buildTestStore, catalogFile, json, manifestText, uploadZip, type TestStore } from './helpers.js';

// An upload that is already its own normalized package (what `oko-plugin pack` makes) is linked as
// the package rather than packed a second time (issue 17). The catalog must not be able to tell.

let store: TestStore;
let work: string;

const FILES: Record<string, string | Buffer> = {
  'manifest.json': manifestText('reused', '1.0.0'),
  'index.js': 'export async function setup() {}\n'.repeat(20),
  'static/data.bin': Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)),
};

beforeEach(async () => {
  store = await buildTestStore();
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-reuse-'));
});
afterEach(async () => {
  await store?.close();
  await rm(work, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The package as `oko-plugin pack` writes it. */
async function packed(): Promise<Buffer> {
  const dir = path.join(work, 'src');
  for (const [name, content] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await packPluginDirectory(dir, path.join(work, 'packed.zip'));
  return readFile(path.join(work, 'packed.zip'));
}

async function folderOf(id: string): Promise<string> {
  const entry = (await catalogFile(store))!.plugins.find((p) => p.id === id)!;
  return path.join(store.storage, 'uploads', entry.storage.dir);
}

async function download(id: string): Promise<Buffer> {
  return Buffer.from(await (await request(`${store.api}/plugins/${id}/download`)).arrayBuffer());
}

it('serves a packed upload as it came, linked rather than copied', async () => {
  const zip = await packed();
  const created = await json(await uploadZip(store, zip));
  expect(created.plugin).toMatchObject({ sha256: sha256(zip), size: zip.length });
  const folder = await folderOf(created.plugin_id);
  expect((await stat(path.join(folder, 'package.zip'))).ino).toBe((await stat(path.join(folder, 'plugin.zip'))).ino);
  expect(await download(created.plugin_id)).toEqual(zip);
});

it('gives the same package for the same plugin zipped by another tool, so it may return after a delete', async () => {
  const other = await zipFiles(FILES);
  const first = await json(await uploadZip(store, other));
  const canonical = await packed();
  expect(sha256(other)).not.toBe(sha256(canonical));
  expect(first.plugin.sha256).toBe(sha256(canonical));
  const folder = await folderOf(first.plugin_id);
  expect((await stat(path.join(folder, 'package.zip'))).ino).not.toBe((await stat(path.join(folder, 'plugin.zip'))).ino);

  expect((await request(`${store.api}/plugins/${first.plugin_id}`, { method: 'DELETE' })).status).toBe(200);
  // A deleted version may come back only with the same package: the packed upload is that package.
  const again = await uploadZip(store, canonical);
  expect(again.status).toBe(201);
  expect((await json(again)).plugin.sha256).toBe(first.plugin.sha256);
});
