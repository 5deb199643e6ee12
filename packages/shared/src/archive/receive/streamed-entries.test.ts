import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../../../test-support/raw-zip.js';
import { pieces, relativeTo, streamedUploads, tree } from '../../../../../test-support/streamed-upload.js';
import { extractPluginArchive } from '../index.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../limits.js';
import { StreamedEntries } from './streamed-entries.js';

let work: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-streamed-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const { freshFolder, reference, received, packed } = streamedUploads(() => work);

const MANIFEST: RawZipEntry = { name: 'manifest.json', content: manifestText('streamed', '1.0.0') };

describe('following a ZIP from its local headers', () => {
  it('sees every entry of a packed ZIP in any chunking, and the extraction confirms it', async () => {
    const zip = await packed({
      'manifest.json': manifestText('streamed', '1.0.0'),
      'index.js': 'export async function setup() {}\n'.repeat(50),
      'static/noise.bin': randomBytes(30_000),
      'static/empty.txt': '',
    });
    const expected = await reference(zip, DEFAULT_ARCHIVE_LIMITS);
    for (const size of [3, 13, 4096, zip.length]) {
      const dir = await freshFolder();
      await writeFile(path.join(dir, 'plugin.zip'), zip);
      await mkdir(path.join(dir, 'out'));
      const streamed = new StreamedEntries(path.join(dir, 'out'), DEFAULT_ARCHIVE_LIMITS);
      for (const piece of pieces(zip, size)) await streamed.push(piece);
      const seen = await streamed.finish();
      expect(seen?.size, `pieces of ${size}`).toBe(4);
      // The stored file is on disk before the extraction runs: that is the point.
      expect((await readFile(path.join(dir, 'out', 'static', 'noise.bin'))).length).toBe(30_000);
      const plugin = await extractPluginArchive(path.join(dir, 'plugin.zip'), path.join(dir, 'out'), DEFAULT_ARCHIVE_LIMITS, seen!);
      expect(relativeTo(plugin, path.join(dir, 'out'))).toEqual(expected.plugin);
      expect(await tree(path.join(dir, 'out'))).toEqual(expected.files);
    }
  });

  it('follows entries whose sizes are in their local headers, stored and deflated', async () => {
    const zip = buildRawZip([
      { name: 'plugin/', method: 0 },
      { ...MANIFEST, name: 'plugin/manifest.json' },
      { name: 'plugin/data.bin', method: 0, content: randomBytes(50_000) },
    ]);
    const dir = await freshFolder();
    const streamed = new StreamedEntries(dir, DEFAULT_ARCHIVE_LIMITS);
    for (const piece of pieces(zip, 1000)) await streamed.push(piece);
    expect((await streamed.finish())?.size).toBe(3);
    const got = await received(zip);
    expect(got).toMatchObject(await reference(zip, DEFAULT_ARCHIVE_LIMITS));
    expect(got.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
  });

  it('stops following what it cannot (prepended bytes, extra fields), and the extraction of the file decides', async () => {
    const zip = await packed({ 'manifest.json': manifestText('streamed', '1.0.0') });
    const prepended = Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), zip]);
    const streamed = new StreamedEntries(await freshFolder(), DEFAULT_ARCHIVE_LIMITS);
    await streamed.push(prepended);
    expect(await streamed.finish()).toBeNull();
    expect(await received(prepended)).toMatchObject(await reference(prepended, DEFAULT_ARCHIVE_LIMITS));
  });
});

describe('what arrived is only kept when the central directory says the same', () => {
  const cases: Array<[string, RawZipEntry[]]> = [
    ['a local entry the central directory does not list', [MANIFEST, { name: 'hidden.js', method: 0, content: 'evil()', localOnly: true }]],
    [
      'two central records naming one local header',
      [{ name: 'a.txt', method: 0, content: 'aaa' }, MANIFEST, { name: 'b.txt', method: 0, content: 'aaa', centralOffsetOf: 0 }],
    ],
    ['another name in the central directory', [MANIFEST, { name: 'local.txt', method: 0, content: 'x', centralName: 'central.txt' }]],
    ['a stored symbolic link', [MANIFEST, { name: 'link', method: 0, content: '/etc/passwd', unixMode: 0o120777 }]],
    ['a lying CRC-32', [MANIFEST, { name: 'a.txt', method: 0, content: 'abc', crc32: 1234 }]],
    ['a name that climbs out', [MANIFEST, { name: '../outside.txt', method: 0, content: 'x' }]],
    ['a duplicate name', [MANIFEST, { name: 'a.txt', method: 0, content: '1' }, { name: 'a.txt', method: 0, content: '2' }]],
  ];
  it.each(cases)('%s: the outcome of extracting the file alone', async (_why, entries) => {
    const zip = buildRawZip(entries);
    const got = await received(zip);
    expect({ plugin: got.plugin, files: got.files }).toEqual(await reference(zip, DEFAULT_ARCHIVE_LIMITS));
    expect(await readdir(got.dir)).toEqual(expect.arrayContaining(['out', 'plugin.zip']));
    expect(await readdir(got.dir)).toHaveLength(2);
  });

  it('refuses a stored file over the unpacked budget as the extraction does', async () => {
    const zip = buildRawZip([MANIFEST, { name: 'big.bin', method: 0, content: randomBytes(40_000) }]);
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxUnpackedBytes: 30_000 };
    const got = await received(zip, limits);
    expect(got.plugin).toEqual({ error: expect.stringMatching(/unpacks to more than 30000 bytes/) });
    expect(got.files).toEqual({});
  });

  it('is not fooled by a descriptor look-alike inside a stored file, however well made', async () => {
    // At offset 1000 of the data: a descriptor with the right CRC-32 and sizes of the first 1000
    // bytes, then a local header signature. Following the stream, the file seems to end there.
    const head = randomBytes(1000);
    const lookalike = Buffer.alloc(20);
    lookalike.writeUInt32LE(0x08074b50, 0);
    lookalike.writeUInt32LE(zlib.crc32(head) >>> 0, 4);
    lookalike.writeUInt32LE(1000, 8);
    lookalike.writeUInt32LE(1000, 12);
    lookalike.writeUInt32LE(0x04034b50, 16);
    // And 100 with the right sizes but not the CRC-32: each costs a check, so there is a bound.
    const many = Buffer.concat([head, ...Array.from({ length: 100 }, (_, i) => descriptorAt(1000 + i * 20))]);
    for (const trap of [Buffer.concat([head, lookalike, randomBytes(5000)]), Buffer.concat([many, randomBytes(5000)])]) {
      const zip = await packed({ 'manifest.json': manifestText('streamed', '1.0.0'), 'static/trap.png': trap });
      // The trap works (a .png is stored as it is): the stream cannot be followed past it.
      const streamed = new StreamedEntries(await freshFolder(), DEFAULT_ARCHIVE_LIMITS);
      await streamed.push(zip);
      expect(await streamed.finish()).toBeNull();
      const got = await received(zip);
      expect(got).toMatchObject(await reference(zip, DEFAULT_ARCHIVE_LIMITS));
      expect(got.plugin).toMatchObject({ manifest: { name: 'streamed' } });
    }
  });
});

/** A descriptor signature with `size` in its size field and a local header signature after it (a wrong CRC-32). */
function descriptorAt(size: number): Buffer {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32LE(0x08074b50, 0);
  bytes.writeUInt32LE(size, 8);
  bytes.writeUInt32LE(size, 12);
  bytes.writeUInt32LE(0x04034b50, 16);
  return bytes;
}
