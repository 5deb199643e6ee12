import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOkoError } from '../../errors.js';
import { packPluginDirectory } from '../pack.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../limits.js';
import { ARCHIVE_THREAD_GONE, ArchiveThread } from './archive-thread.js';
import { eventually } from '../../../../../test-support/eventually.js';
import { manifestText } from '../../../../../test-support/raw-zip.js';
import { pieces } from '../../../../../test-support/streamed-upload.js';

const BUFFER = 64 * 1024;

let work: string;
let thread: ArchiveThread;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-thread-'));
  thread = new ArchiveThread();
  await mkdir(path.join(work, 'plugin', 'static'), { recursive: true });
  await writeFile(path.join(work, 'plugin', 'manifest.json'), manifestText('threaded', '1.2.0'));
  await writeFile(path.join(work, 'plugin', 'index.js'), 'export async function setup() {}\n');
  await writeFile(path.join(work, 'plugin', 'static', 'a.css'), 'body{}');
  await mkdir(path.join(work, 'plugin', 'node_modules'));
  await writeFile(path.join(work, 'plugin', 'node_modules', 'x.js'), 'x');
});
afterEach(async () => {
  await thread.close();
  await rm(work, { recursive: true, force: true });
});

it('packs and extracts on its thread with the results the same code gives in-process', async () => {
  const packed = await thread.run('pack', path.join(work, 'plugin'), path.join(work, 'a.zip'), { sourceFolder: true });
  expect(packed).toEqual(
    await packPluginDirectory(path.join(work, 'plugin'), path.join(work, 'b.zip'), { exclude: (p) => p === 'node_modules' }),
  );
  await mkdir(path.join(work, 'out'));
  const upload = thread.receive(path.join(work, 'up.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS, BUFFER);
  await pipeline(createReadStream(path.join(work, 'a.zip')), upload.writer);
  const extracted = await upload.result;
  expect(extracted.plugin).toMatchObject({
    pluginDir: path.join(work, 'out'),
    entries: 3,
    manifest: { name: 'threaded', version: '1.2.0' },
  });
  expect(extracted.sha256).toBe(packed.sha256);
});

it('hands back our errors with their code and a file-system error with its fields', async () => {
  await writeFile(path.join(work, 'junk.zip'), 'not a zip');
  await mkdir(path.join(work, 'out'));
  const refused = await thread.run('extract', path.join(work, 'junk.zip'), path.join(work, 'out')).catch((e: unknown) => e);
  expect(isOkoError(refused)).toBe(true);
  expect(refused).toMatchObject({ code: 'INVALID_ARCHIVE', statusCode: 422 });
  const missing = await thread.run('pack', path.join(work, 'nowhere'), path.join(work, 'c.zip')).catch((e: unknown) => e);
  expect(missing).toMatchObject({ code: 'ENOENT', syscall: 'scandir' });
});

it('fails the work of a thread that stops, and starts a new one for the next task', async () => {
  const cut = thread.run('pack', path.join(work, 'plugin'), path.join(work, 'a.zip'));
  await thread.close();
  await expect(cut).rejects.toThrow(/archive thread stopped/);
  const again = await thread.run('pack', path.join(work, 'plugin'), path.join(work, 'd.zip'));
  expect(again.size).toBeGreaterThan(0);
});

it('fails only the work of the thread that died, not what its successor took on before the exit', async () => {
  await thread.run('sha256', path.join(work, 'plugin', 'manifest.json'));
  // A task the thread does not know throws in its message handler: the thread dies of it, as of
  // any uncaught error. Its 'error' comes first, its 'exit' a moment later.
  const runUnknown = thread.run.bind(thread) as (task: string) => Promise<unknown>;
  const died = await runUnknown('no such task').catch((e: unknown) => e);
  expect(died).toMatchObject({ message: expect.stringMatching(/archive thread failed/) });
  // Sent between the two, so to a new thread: the old one's exit must not fail it.
  const next = await thread.run('pack', path.join(work, 'plugin'), path.join(work, 'e.zip'));
  expect(next.size).toBeGreaterThan(0);
});

// A thread's start takes a second or more on a loaded machine: more than vitest's 5 s default leaves room for.
describe('an upload received on the thread', { timeout: 30_000 }, () => {
  async function bigPackage(): Promise<Buffer> {
    await writeFile(path.join(work, 'plugin', 'static', 'big.png'), randomBytes(6 * 1024 * 1024));
    await packPluginDirectory(path.join(work, 'plugin'), path.join(work, 'big.zip'));
    return readFile(path.join(work, 'big.zip'));
  }

  it('writes a stored file while the rest is still arriving', async () => {
    const zip = await bigPackage();
    await mkdir(path.join(work, 'out'));
    const upload = thread.receive(path.join(work, 'up.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS, BUFFER);
    upload.writer.write(zip.subarray(0, 4 * 1024 * 1024));
    await eventually(async () => expect((await stat(path.join(work, 'out', 'static', 'big.png'))).size).toBeGreaterThan(1024 * 1024));
    upload.writer.end(zip.subarray(4 * 1024 * 1024));
    const { plugin, sha256 } = await upload.result;
    expect(plugin.manifest.name).toBe('threaded');
    expect(sha256).toBe(createHash('sha256').update(zip).digest('hex'));
    // Buffer.equals: vitest's deep equality walks 6 MiB byte by byte.
    const [got, sent] = await Promise.all([
      readFile(path.join(work, 'out', 'static', 'big.png')),
      readFile(path.join(work, 'plugin', 'static', 'big.png')),
    ]);
    expect(got.equals(sent)).toBe(true);
  });

  it('stops when the sender is cut off, and leaves nothing open or new once it has answered', async () => {
    const zip = await bigPackage();
    await mkdir(path.join(work, 'out'));
    const upload = thread.receive(path.join(work, 'up.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS, BUFFER);
    upload.writer.on('error', () => {});
    upload.writer.write(zip.subarray(0, 3 * 1024 * 1024));
    await eventually(async () => expect(await readdir(path.join(work, 'out'))).toContain('static'));
    upload.writer.destroy(new Error('413'));
    await expect(upload.result).rejects.toThrow(/abandoned before its end/);
    const before = await readdir(path.join(work, 'out'), { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(path.join(work, 'out'), { recursive: true })).toEqual(before);
    await rm(path.join(work, 'out'), { recursive: true });
    // The thread is still there for the next one.
    expect((await thread.run('sha256', path.join(work, 'big.zip'))).length).toBe(64);
  });

  it('creates nothing of its own for a writer cut off before its first write', async () => {
    await mkdir(path.join(work, 'out'));
    const upload = thread.receive(path.join(work, 'up.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS, BUFFER);
    upload.writer.on('error', () => {});
    upload.writer.write(Buffer.from('PK'));
    upload.writer.destroy(new Error('408'));
    expect(upload.writer.toldAny).toBe(false);
    await expect(upload.result).rejects.toThrow(/abandoned/);
    expect(await readdir(path.join(work, 'out'))).toEqual([]);
  });

  it('fails the sender of an upload under way when the thread dies, so nothing waits for ever', async () => {
    const zip = await bigPackage();
    await mkdir(path.join(work, 'out'));
    const upload = thread.receive(path.join(work, 'up.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS, BUFFER);
    // A client that sent 3 MiB and then nothing: only the thread's end can end this upload.
    const stalled = new Readable({ read() {} });
    stalled.push(zip.subarray(0, 3 * 1024 * 1024));
    const sent = pipeline(stalled, upload.writer);
    await eventually(async () => expect(await readdir(path.join(work, 'out'))).toContain('static'));
    await thread.close();
    await expect(sent).rejects.toMatchObject({ code: ARCHIVE_THREAD_GONE, message: expect.stringMatching(/archive thread stopped/) });
    await expect(upload.result).rejects.toMatchObject({ code: ARCHIVE_THREAD_GONE });
    expect(upload.writer.toldAny).toBe(true);
  });

  it('receives several uploads at once, each into its own folder', async () => {
    const big = await bigPackage();
    const png = await readFile(path.join(work, 'plugin', 'static', 'big.png'));
    await writeFile(path.join(work, 'plugin', 'manifest.json'), manifestText('other', '2.0.0'));
    await rm(path.join(work, 'plugin', 'static', 'big.png'));
    await packPluginDirectory(path.join(work, 'plugin'), path.join(work, 'small.zip'));
    const small = await readFile(path.join(work, 'small.zip'));
    const uploads = await Promise.all(
      [big, small, big].map(async (zip, i) => {
        await mkdir(path.join(work, `out${i}`));
        const upload = thread.receive(path.join(work, `up${i}.zip`), path.join(work, `out${i}`), DEFAULT_ARCHIVE_LIMITS, BUFFER);
        // In 64 KiB pieces, as sockets deliver them, so the three interleave on the thread.
        await pipeline(Readable.from(pieces(zip, 64 * 1024)), upload.writer);
        return upload.result;
      }),
    );
    expect(uploads.map(({ plugin }) => plugin.manifest.name)).toEqual(['threaded', 'other', 'threaded']);
    expect(uploads.map(({ sha256 }) => sha256)).toEqual([big, small, big].map((zip) => createHash('sha256').update(zip).digest('hex')));
    for (const i of [0, 2]) expect((await readFile(path.join(work, `out${i}`, 'static', 'big.png'))).equals(png)).toBe(true);
    expect(await readdir(path.join(work, 'out1', 'static'))).toEqual(['a.css']);
  });
});
