import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isOkoError } from '../../errors.js';
import { packPluginDirectory } from '../pack.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../limits.js';
import { ArchiveThread } from './archive-thread.js';
import { manifestText } from '../../../../../test-support/raw-zip.js';

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
  const extracted = await thread.run('extractUpload', path.join(work, 'a.zip'), path.join(work, 'out'), DEFAULT_ARCHIVE_LIMITS);
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
