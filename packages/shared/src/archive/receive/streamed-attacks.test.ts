import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../../../test-support/raw-zip.js';
import { pieces, streamedUploads } from '../../../../../test-support/streamed-upload.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../limits.js';
import { StreamedEntries } from './streamed-entries.js';

/*
 * Uploads made to lead the stream astray, each fed as the store receives it: the outcome (files,
 * answer, error) must be the one extracting the finished file alone gives, whatever the stream
 * wrote on the way, and what the stream does must stay bounded by the upload's size.
 */

let work: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-attack-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const { freshFolder, reference, received, packed } = streamedUploads(() => work);

const MANIFEST: RawZipEntry = { name: 'manifest.json', content: manifestText('attacked', '1.0.0') };

/** What the stream makes of the whole ZIP at once: the entries it saw (by name), or null when it gave up following. */
async function followed(zip: Buffer, limits = DEFAULT_ARCHIVE_LIMITS): Promise<string[] | null> {
  const streamed = new StreamedEntries(await freshFolder(), limits);
  for (const piece of pieces(zip, 64 * 1024)) await streamed.push(piece);
  const seen = await streamed.finish();
  return seen && [...seen.values()].map((entry) => entry.name);
}

async function expectSameOutcome(zip: Buffer, limits = DEFAULT_ARCHIVE_LIMITS): Promise<void> {
  const got = await received(zip, limits);
  expect({ plugin: got.plugin, files: got.files }).toEqual(await reference(zip, limits));
}

/**
 * Data with `count` descriptor look-alikes, one every 20 bytes: each has the size of the data
 * before it and a local header signature after it, but not its CRC-32, so each costs the stream a
 * check (and a write) before it is turned down.
 */
function lookalikes(count: number): Buffer {
  const data = Buffer.alloc(count * 20 + 10, 0x61);
  for (let i = 0, at = 0; i < count; i++, at += 20) {
    data.writeUInt32LE(0x08074b50, at);
    data.writeUInt32LE(1, at + 4);
    data.writeUInt32LE(at, at + 8);
    data.writeUInt32LE(at, at + 12);
    data.writeUInt32LE(0x04034b50, at + 16);
  }
  return data;
}

describe('descriptor look-alikes', () => {
  it('are bounded per upload, not per entry: spread over many entries they stop the stream all the same', async () => {
    // 20 per entry are far below the old per-entry bound of 64, so 10,000 entries with 63 each cost 630,000 writes.
    const spread = (entries: number) =>
      buildRawZip([
        MANIFEST,
        ...Array.from({ length: entries }, (_, i) => ({
          name: `static/trap${i}.bin`,
          method: 0,
          descriptor: true,
          content: lookalikes(20),
        })),
      ]);
    expect(await followed(spread(3))).toHaveLength(4);
    expect(await followed(spread(4))).toBeNull();
    await expectSameOutcome(spread(4));
  });
});

/** The Info-ZIP Unicode Path extra field: the name yauzl uses instead of the raw one. */
function unicodePath(rawName: string, name: string): Buffer {
  const text = Buffer.from(name, 'utf8');
  const field = Buffer.alloc(9 + text.length);
  field.writeUInt16LE(0x7075, 0);
  field.writeUInt16LE(5 + text.length, 2);
  field.writeUInt8(1, 4);
  field.writeUInt32LE(zlib.crc32(Buffer.from(rawName, 'utf8')) >>> 0, 5);
  text.copy(field, 9);
  return field;
}

describe('entries the stream writes that the file alone would not', () => {
  const cases: Array<[string, RawZipEntry[]]> = [
    ['a stored file whose mode alone makes it a folder', [MANIFEST, { name: 'data', method: 0, content: 'x', unixMode: 0o40755 }]],
    ['names differing only in case', [MANIFEST, { name: 'A.txt', method: 0, content: '1' }, { name: 'a.txt', method: 0, content: '2' }]],
    ['a file, then a file below it', [MANIFEST, { name: 'a', method: 0, content: '1' }, { name: 'a/b', method: 0, content: '2' }]],
    [
      'a name the central directory renames with a Unicode Path field',
      [MANIFEST, { name: 'local.txt', method: 0, content: 'x', centralExtra: unicodePath('local.txt', 'other.txt') }],
    ],
    ['a name longer than allowed, arriving over many chunks', [MANIFEST, { name: 'n'.repeat(60_000), method: 0, content: 'x' }]],
    [
      'a stored file whose descriptor lies about its CRC-32',
      [MANIFEST, { name: 'a.txt', method: 0, content: 'abc', descriptor: true, crc32: 7 }],
    ],
  ];
  it.each(cases)('%s: the outcome of extracting the file alone', async (_why, entries) => {
    await expectSameOutcome(buildRawZip(entries));
  });

  it('a deflated entry whose data shows its own end and a stored file after it: that file is not kept', async () => {
    // Inside a.txt's deflate stream (stored blocks, so its bytes are there as they are): a descriptor
    // with the size of the data before it, a stored smuggled.js, then a central directory's signature.
    const smuggledName = Buffer.from('smuggled.js');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(0x800, 6);
    header.writeUInt32LE(zlib.crc32('evil()') >>> 0, 14);
    header.writeUInt32LE(6, 18);
    header.writeUInt32LE(6, 22);
    header.writeUInt16LE(smuggledName.length, 26);
    const before = Buffer.from('harmless text ');
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    // A stored block's 5-byte header comes before the content.
    descriptor.writeUInt32LE(5 + before.length, 8);
    const content = Buffer.concat([before, descriptor, header, smuggledName, Buffer.from('evil()'), Buffer.from([0x50, 0x4b, 1, 2])]);
    const zip = buildRawZip([MANIFEST, { name: 'a.txt', method: 8, level: 0, descriptor: true, content }]);
    // The trap works: the stream sees an entry the central directory does not have.
    expect(await followed(zip)).toEqual(['manifest.json', 'a.txt', 'smuggled.js']);
    const got = await received(zip);
    expect(got.files).not.toHaveProperty('smuggled.js');
    expect({ plugin: got.plugin, files: got.files }).toEqual(await reference(zip));
  });
});

describe('bounds', () => {
  it('more entries than allowed: the stream stops at the limit, and the file alone is refused', async () => {
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 20 };
    const tiny = (count: number) =>
      buildRawZip([MANIFEST, ...Array.from({ length: count }, (_, i) => ({ name: `f${i}.txt`, method: 0, content: String(i) }))]);
    expect(await followed(tiny(19), limits)).toHaveLength(20);
    expect(await followed(tiny(25), limits)).toBeNull();
    const got = await received(tiny(25), limits);
    expect(got.plugin).toEqual({ error: expect.stringMatching(/at most 20 are allowed/) });
    expect(got.files).toEqual({});
  });

  it('an upload cut short or empty keeps none of what the stream wrote', async () => {
    const long = buildRawZip([MANIFEST, { name: 'static/big.bin', method: 0, content: Buffer.alloc(300_000, 7) }]);
    for (const zip of [long.subarray(0, 200_000), long.subarray(0, long.length - 30), Buffer.alloc(0), long.subarray(0, 10)]) {
      const got = await received(zip);
      expect({ plugin: got.plugin, files: got.files }).toEqual(await reference(zip));
      expect(got.files).toEqual({});
      expect(await readdir(got.dir)).toEqual(expect.arrayContaining(['out', 'plugin.zip']));
    }
  });
});

describe('descriptor signatures', () => {
  it('a file of nothing but descriptor signatures: the stream stops after a bounded number of them', async () => {
    const signatures = Buffer.alloc(4 * 120_000);
    for (let at = 0; at < signatures.length; at += 4) signatures.writeUInt32LE(0x08074b50, at);
    // A .png is stored as it is: the signatures reach the stream.
    const zip = await packed({ 'manifest.json': manifestText('attacked', '1.0.0'), 'static/sigs.png': signatures });
    expect(await followed(zip)).toBeNull();
    await expectSameOutcome(zip);
  });
});
