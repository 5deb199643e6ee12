import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOkoError } from '../errors.js';
import { extractPluginArchive } from './index.js';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../../test-support/raw-zip.js';

let work: string;
let dest: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-extract-'));
  dest = path.join(work, 'dest');
  await mkdir(dest);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function zipOf(entries: RawZipEntry[]): Promise<string> {
  const file = path.join(work, 'in.zip');
  await writeFile(file, buildRawZip(entries));
  return file;
}

const manifest: RawZipEntry = { name: 'manifest.json', content: manifestText() };
const SMALL = { maxUnpackedBytes: 1024 * 1024, maxEntries: 20 };

/** Runs the extraction, expects a refusal with `code`, and checks nothing was left in dest. */
async function expectRefused(entries: RawZipEntry[], code: string, message?: RegExp, limits = SMALL) {
  const error = await extractPluginArchive(await zipOf(entries), dest, limits).catch((e: unknown) => e);
  expect(isOkoError(error), String(error)).toBe(true);
  if (!isOkoError(error)) return;
  expect(error.code).toBe(code);
  expect(error.statusCode).toBe(422);
  if (message) expect(error.message).toMatch(message);
  expect(await readdir(dest)).toEqual([]);
  return error;
}

describe('extractPluginArchive', () => {
  it('extracts a plugin that sits at the archive root', async () => {
    const zip = await zipOf([
      manifest,
      { name: 'index.js', content: 'export async function setup() {}' },
      { name: 'ui.yaml', content: 'has_page: true\n' },
      { name: 'static/app.css', content: 'body{}' },
    ]);
    const result = await extractPluginArchive(zip, dest);
    expect(result.pluginDir).toBe(dest);
    expect(result.manifest.name).toBe('demo_plugin');
    expect(result.ui).toEqual({ has_page: true });
    expect(result.entries).toBe(4);
    expect(await readFile(path.join(dest, 'static/app.css'), 'utf8')).toBe('body{}');
  });

  it('finds the plugin inside one top-level folder, as in a GitHub zipball', async () => {
    const zip = await zipOf([
      { name: 'owner-repo-abc123/', method: 0 },
      { name: 'owner-repo-abc123/manifest.json', content: manifestText() },
      { name: 'owner-repo-abc123/index.js', content: '' },
    ]);
    const result = await extractPluginArchive(zip, dest);
    expect(result.pluginDir).toBe(path.join(dest, 'owner-repo-abc123'));
    expect(result.ui).toBeNull();
  });

  it('counts real unpacked bytes', async () => {
    const result = await extractPluginArchive(await zipOf([manifest, { name: 'big.bin', content: Buffer.alloc(5000, 7) }]), dest);
    expect(result.unpackedBytes).toBe(5000 + manifestText().length);
  });

  it.each([
    ['../evil.js', /escapes/],
    ['static/../../evil.js', /escapes/],
    ['/etc/evil.js', /absolute/],
    ['static\\evil.js', /backslash/],
    ['C:/evil.js', /drive letter/],
    ['evil\u0000.js', /control character/],
  ])('refuses an entry named %j and leaves nothing behind', async (name, reason) => {
    await expectRefused([manifest, { name: 'index.js', content: 'ok' }, { name, content: 'x' }], 'INVALID_ARCHIVE', reason);
  });

  it('refuses a symbolic link', async () => {
    await expectRefused([manifest, { name: 'link', content: '/etc/passwd', unixMode: 0o120777 }], 'INVALID_ARCHIVE', /symbolic link/);
  });

  it('refuses duplicate names, also when they differ only in case', async () => {
    await expectRefused([manifest, { name: 'index.js', content: 'a' }, { name: 'index.js', content: 'b' }], 'INVALID_ARCHIVE', /duplicate/);
    await expectRefused([manifest, { name: 'Manifest.JSON', content: '{}' }], 'INVALID_ARCHIVE', /duplicate/);
  });

  it('refuses encrypted entries', async () => {
    await expectRefused([manifest, { name: 'secret.js', content: 'x', flags: 1 }], 'INVALID_ARCHIVE', /encrypted/);
  });

  it('refuses unsupported compression methods', async () => {
    await expectRefused([manifest, { name: 'a.bz2', content: 'xyz', method: 12 }], 'INVALID_ARCHIVE', /compression method 12/);
  });

  it('stops a deflate bomb whose header lies about its size', async () => {
    // 8 MiB of zeros deflate to a few KiB; the header claims 100 bytes.
    await expectRefused([manifest, { name: 'bomb.bin', content: Buffer.alloc(8 * 1024 * 1024), declaredSize: 100 }], 'INVALID_ARCHIVE');
  });

  it('refuses an archive whose declared size is over the limit before inflating', async () => {
    await expectRefused(
      [manifest, { name: 'big.bin', content: Buffer.alloc(2 * 1024 * 1024) }],
      'INVALID_ARCHIVE',
      /more than 1048576 bytes/,
    );
  });

  it('refuses an archive whose entries together unpack over the limit', async () => {
    const parts = [1, 2, 3].map((i) => ({ name: `part${i}.bin`, content: Buffer.alloc(400 * 1024, i) }));
    await expectRefused([manifest, ...parts], 'INVALID_ARCHIVE', /more than/);
  });

  // Big stored entries are copied through reused buffers (copyStoredEntry), not a stream: same budget.
  it('refuses big stored entries that together unpack over the limit', async () => {
    const parts = [1, 2, 3].map((i) => ({ name: `part${i}.bin`, content: randomBytes(400 * 1024), method: 0 }));
    await expectRefused([manifest, ...parts], 'INVALID_ARCHIVE', /more than/);
  });

  it('refuses too many entries', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ name: `f${i}.txt`, content: 'x' }));
    await expectRefused([manifest, ...many], 'INVALID_ARCHIVE', /at most 20/);
  });

  it('refuses an entry whose data fails its CRC check', async () => {
    await expectRefused([manifest, { name: 'index.js', content: 'hello', crc32: 1234 }], 'INVALID_ARCHIVE', /CRC/);
  });

  // Entries over 256 KiB compressed are read in large chunks outside yauzl's streams (entry-data.ts).
  it('extracts big entries, stored and deflated, byte for byte', async () => {
    const data = randomBytes(600 * 1024);
    const text = Buffer.from(randomBytes(400 * 1024).toString('hex'));
    const zip = await zipOf([
      manifest,
      { name: 'stored.bin', content: data, method: 0 },
      { name: 'deflated.bin', content: data },
      { name: 'text.txt', content: text },
    ]);
    const result = await extractPluginArchive(zip, dest, { maxUnpackedBytes: 4 * 1024 * 1024, maxEntries: 20 });
    // Buffer.equals: toEqual walks big buffers byte by byte and takes seconds.
    expect((await readFile(path.join(dest, 'stored.bin'))).equals(data)).toBe(true);
    expect((await readFile(path.join(dest, 'deflated.bin'))).equals(data)).toBe(true);
    expect((await readFile(path.join(dest, 'text.txt'))).equals(text)).toBe(true);
    expect(result.unpackedBytes).toBe(2 * data.length + text.length + manifestText().length);
  });

  it('checks the CRC and the real size of big entries too', async () => {
    const data = randomBytes(600 * 1024);
    const limits = { maxUnpackedBytes: 4 * 1024 * 1024, maxEntries: 20 };
    await expectRefused([manifest, { name: 'a.bin', content: data, method: 0, crc32: 1234 }], 'INVALID_ARCHIVE', /CRC/, limits);
    await expectRefused([manifest, { name: 'a.bin', content: data, crc32: 1234 }], 'INVALID_ARCHIVE', /CRC/, limits);
    await expectRefused(
      [manifest, { name: 'a.bin', content: data, declaredSize: 1000 }],
      'INVALID_ARCHIVE',
      /more data than its header declares/,
      limits,
    );
  });

  it('refuses a file that is not a ZIP', async () => {
    const file = path.join(work, 'not.zip');
    await writeFile(file, 'this is plain text, not a zip archive at all');
    const error = await extractPluginArchive(file, dest).catch((e: unknown) => e);
    expect(isOkoError(error) && error.code).toBe('INVALID_ARCHIVE');
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses an archive without manifest.json', async () => {
    const error = await expectRefused(
      [
        { name: 'index.js', content: 'x' },
        { name: 'README.md', content: 'x' },
      ],
      'INVALID_MANIFEST',
      /manifest.json: missing/,
    );
    expect(error?.details).toEqual([expect.objectContaining({ file: 'manifest.json', path: '' })]);
  });

  it('reports every problem of a broken manifest and ui.yaml', async () => {
    const error = await expectRefused(
      [
        { name: 'manifest.json', content: JSON.stringify({ name: 'Bad Name', version: '1.0' }) },
        { name: 'ui.yaml', content: 'has_page: maybe\n' },
      ],
      'INVALID_MANIFEST',
    );
    const paths = (error?.details as { file: string; path: string }[]).map((i) => `${i.file}:${i.path}`);
    expect(paths).toEqual(expect.arrayContaining(['manifest.json:name', 'manifest.json:version', 'ui.yaml:has_page']));
  });

  it('refuses manifest.json that is not JSON', async () => {
    await expectRefused([{ name: 'manifest.json', content: '{"name": ' }], 'INVALID_MANIFEST', /not valid JSON/);
  });
});
