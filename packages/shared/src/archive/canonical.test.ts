import { createReadStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import {
  extractPluginArchive,
  isCanonicalPackage,
  listPackageFiles,
  packPluginDirectory,
  planPackage,
  sha256File,
  type PackPlan,
} from './index.js';
import { FIXED_MTIME, PACKED_MODE } from './zip-format.js';
import { buildRawZip, manifestText } from '../../../../test-support/raw-zip.js';
import { noise } from '../../../../test-support/fixtures.js';

let work: string;
let plugin: string;
let n = 0;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-canonical-'));
  plugin = path.join(work, 'plugin');
  await mkdir(path.join(plugin, 'static'), { recursive: true });
  await mkdir(path.join(plugin, 'docs'), { recursive: true });
  await writeFile(path.join(plugin, 'manifest.json'), manifestText());
  await writeFile(path.join(plugin, 'index.js'), 'export async function setup() {}\n'.repeat(30));
  await writeFile(path.join(plugin, 'empty.txt'), '');
  await writeFile(path.join(plugin, 'docs', 'café.md'), '# Café\n'.repeat(20));
  // Bigger than one read chunk (256 KiB): one stored, one deflated in several chunks by the packer.
  await writeFile(path.join(plugin, 'static', 'blob.bin'), noise(300 * 1024, 'canonical'));
  await writeFile(path.join(plugin, 'static', 'text.css'), 'body { color: red; }\n'.repeat(20_000));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Extracts `zip` as the store does, then asks whether it is the package of what came out. */
async function canonical(zip: string): Promise<boolean> {
  const dest = path.join(work, `x${n++}`);
  await mkdir(dest);
  const extracted = await extractPluginArchive(zip, dest);
  return isCanonicalPackage(zip, await planPackage(extracted.pluginDir));
}

interface Tweaks {
  order?: (files: string[]) => string[];
  mtime?: Date;
  mode?: number;
  compress?: (file: string, planned: boolean) => boolean;
  level?: number;
  folder?: string;
  comment?: string;
}

/** A ZIP of `plugin` written with yazl as the packer calls it, but for the tweaks. */
async function zipWith(tweaks: Tweaks = {}): Promise<string> {
  const plan = await planPackage(plugin);
  const deflate = new Map(plan.files.map((f) => [f.path, f.deflate]));
  const zip = new yazl.ZipFile();
  if (tweaks.folder) zip.addEmptyDirectory(tweaks.folder, { mtime: FIXED_MTIME, forceDosTimestamp: true });
  const files = (tweaks.order ?? ((f) => f))(await listPackageFiles(plugin));
  for (const rel of files) {
    const size = (await stat(path.join(plugin, rel))).size;
    const compress = (tweaks.compress ?? ((_f, planned) => planned))(rel, deflate.get(rel)!);
    zip.addReadStreamLazy(
      rel,
      {
        mtime: tweaks.mtime ?? FIXED_MTIME,
        mode: tweaks.mode ?? PACKED_MODE,
        compress,
        ...(compress && tweaks.level !== undefined ? { compressionLevel: tweaks.level } : {}),
        forceDosTimestamp: true,
        size,
      },
      (done) => done(null, createReadStream(path.join(plugin, rel))),
    );
  }
  if (tweaks.comment === undefined) zip.end();
  else zip.end({ comment: tweaks.comment, forceZip64Format: false });
  const out = path.join(work, `z${n++}.zip`);
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  await writeFile(out, Buffer.concat(chunks));
  return out;
}

// Several packs and extractions per test: generous on a loaded machine.
describe('isCanonicalPackage', { timeout: 30_000 }, () => {
  it("knows the packer's own output, and the test's yazl writer matches the packer byte for byte", async () => {
    const packed = path.join(work, 'packed.zip');
    await packPluginDirectory(plugin, packed);
    expect(await canonical(packed)).toBe(true);
    const same = await zipWith();
    expect(await readFile(same)).toEqual(await readFile(packed));
  });

  it('knows a package bigger than the size it reads whole', async () => {
    await rm(path.join(plugin, 'static'), { recursive: true });
    await writeFile(path.join(plugin, 'big.bin'), noise(5 * 1024 * 1024, 'canonical'));
    const packed = path.join(work, 'packed.zip');
    await packPluginDirectory(plugin, packed);
    expect(await canonical(packed)).toBe(true);
  });

  it.each<[string, Tweaks]>([
    ['another entry order', { order: (files) => [...files].reverse() }],
    ['another timestamp', { mtime: new Date(2020, 5, 5, 10, 0, 0) }],
    ['another file mode', { mode: 0o100755 }],
    ['a stored file the packer deflates', { compress: (file, planned) => (file === 'index.js' ? false : planned) }],
    ['a deflated file the packer stores', { compress: (file, planned) => (file === 'static/blob.bin' ? true : planned) }],
    ['another deflate level', { level: 1 }],
    ['a folder entry', { folder: 'static/' }],
    ['an archive comment', { comment: 'made elsewhere' }],
  ])('refuses a ZIP with %s (it is packed again)', async (_what, tweaks) => {
    expect(await canonical(await zipWith(tweaks))).toBe(false);
  });

  it('refuses bytes after the end record, and a plan of another folder', async () => {
    const packed = path.join(work, 'packed.zip');
    await packPluginDirectory(plugin, packed);
    const other = path.join(work, 'other');
    await mkdir(other);
    await writeFile(path.join(other, 'manifest.json'), manifestText());
    expect(await isCanonicalPackage(packed, await planPackage(other))).toBe(false);
    const plan = await planPackage(plugin);
    expect(await isCanonicalPackage(packed, plan)).toBe(true);
    await appendFile(packed, Buffer.from([0]));
    expect(await isCanonicalPackage(packed, plan)).toBe(false);
  });

  it('compares every header and the tail before it deflates a file: a ZIP that differs there costs no deflating', async () => {
    const packed = path.join(work, 'packed.zip');
    await packPluginDirectory(plugin, packed);
    const bytes = await readFile(packed);
    // "Version made by" of the last central record: every unzip reads the ZIP the same, the packer never writes it.
    const madeBy = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 4;
    bytes.writeUInt8(bytes.readUInt8(madeBy) ^ 1, madeBy);
    await writeFile(packed, bytes);
    const plan = await planPackage(plugin);
    expect(plan.files.filter((file) => file.deflate).length).toBeGreaterThan(0);
    // A folder without the files: reading one to deflate it again throws, so only a check that got that far fails.
    expect(await isCanonicalPackage(packed, { ...plan, dir: path.join(work, 'nowhere') })).toBe(false);
  });

  it('says no, without throwing, to a file that is not a ZIP', async () => {
    const junk = path.join(work, 'junk.zip');
    await writeFile(junk, 'not a zip');
    expect(await isCanonicalPackage(junk, await planPackage(plugin))).toBe(false);
  });
});

describe('packPluginDirectory with a candidate', { timeout: 30_000 }, () => {
  it('links a canonical candidate as the package, with its hash, and gives what packing gives', async () => {
    const first = path.join(work, 'first.zip');
    const packed = await packPluginDirectory(plugin, first);
    const out = path.join(work, 'linked.zip');
    const linked = await packPluginDirectory(plugin, out, { candidate: { file: first, sha256: packed.sha256 } });
    expect(linked).toEqual(packed);
    expect((await stat(out)).ino).toBe((await stat(first)).ino);
    expect(await sha256File(out)).toBe(packed.sha256);
  });

  it('packs the folder when the candidate is not canonical, ignoring its hash', async () => {
    const other = await zipWith({ mtime: new Date(2021, 0, 1) });
    const out = path.join(work, 'packed.zip');
    const result = await packPluginDirectory(plugin, out, { candidate: { file: other, sha256: 'f'.repeat(64) } });
    expect(result).toEqual(await packPluginDirectory(plugin, path.join(work, 'again.zip')));
    expect((await stat(out)).ino).not.toBe((await stat(other)).ino);
  });
});

/** 16,383 empty extra-field records: as many as one central directory record holds. */
function paddedExtra(): Buffer {
  const extra = Buffer.alloc(65_532);
  for (let at = 0; at < extra.length; at += 4) extra.writeUInt16LE(0xcafe, at);
  return extra;
}

/** isCanonicalPackage (the built module, as the archive thread runs it) in a thread with `heapMb` of heap: its answer or its error. */
function checkWithHeap(zip: string, plan: PackPlan, heapMb: number): Promise<unknown> {
  const module = new URL('../../dist/archive/canonical.js', import.meta.url).href;
  const code = `const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then((m) => m.isCanonicalPackage(workerData.zip, workerData.plan)).then((answer) => parentPort.postMessage(answer));`;
  const worker = new Worker(code, { eval: true, workerData: { module, zip, plan }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  return new Promise((resolve) => {
    worker.once('message', (answer) => void worker.terminate().then(() => resolve(answer)));
    worker.once('error', resolve);
  });
}

describe('isCanonicalPackage against a padded central directory', { timeout: 60_000 }, () => {
  // yauzl parses every extra-field record into an object: kept for every entry, a 98 MB upload of
  // 1,500 such entries took the store to 3.7 GB and the archive thread 44 s.
  it('says no without holding every entry: a 10 MB ZIP fits in 48 MB of heap', async () => {
    const centralExtra = paddedExtra();
    const files = [
      { name: 'manifest.json', content: manifestText('padded', '1.0.0'), method: 0, centralExtra },
      ...Array.from({ length: 149 }, (_, i) => ({ name: `f/${i}.txt`, content: String(i), method: 0, centralExtra })),
    ];
    const zip = path.join(work, 'padded.zip');
    await writeFile(zip, buildRawZip(files));
    const dest = path.join(work, 'padded');
    await mkdir(dest);
    const plan = await planPackage((await extractPluginArchive(zip, dest)).pluginDir);
    expect(plan.files).toHaveLength(files.length);
    expect(await checkWithHeap(zip, plan, 48)).toBe(false);
  });
});
