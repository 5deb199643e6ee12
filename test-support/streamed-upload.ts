import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MessageChannel } from 'node:worker_threads';
import { extractPluginArchive } from '../packages/shared/src/archive/index.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../packages/shared/src/archive/limits.js';
import { packPluginDirectory } from '../packages/shared/src/archive/pack.js';
import { receiveUpload } from '../packages/shared/src/archive/receive/receive-upload.js';
import { UploadWriter } from '../packages/shared/src/archive/receive/upload-writer.js';

/*
 * An upload received as the store receives it, and the outcome it must equal: what extracting the
 * finished file alone gives. For the tests of archive/receive/, which feed crafted ZIPs to both.
 */

/** Every path under dir with a hash of its content ('dir' for a folder). */
export async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file);
    out[relative] = entry.isDirectory()
      ? 'dir'
      : createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
  }
  return out;
}

/** An extraction's result with its folder relative to `dir`, or its error's message. */
export function relativeTo(plugin: unknown, dir: string): unknown {
  if (plugin instanceof Error) return { error: plugin.message };
  const { pluginDir, ...rest } = plugin as { pluginDir: string };
  return { ...rest, pluginDir: path.relative(dir, pluginDir) };
}

export function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Helpers working in fresh folders under `work()` (a test's temporary folder). */
export function streamedUploads(work: () => string) {
  let folders = 0;
  async function freshFolder(): Promise<string> {
    const dir = path.join(work(), `f${folders++}`);
    await mkdir(dir);
    return dir;
  }

  /** What extracting the finished file alone gives: the outcome a streamed upload must match. */
  async function reference(zip: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) {
    const dir = await freshFolder();
    await writeFile(path.join(dir, 'plugin.zip'), zip);
    await mkdir(path.join(dir, 'out'));
    const plugin = await extractPluginArchive(path.join(dir, 'plugin.zip'), path.join(dir, 'out'), limits).catch((e: unknown) => e);
    return { plugin: relativeTo(plugin, path.join(dir, 'out')), files: await tree(path.join(dir, 'out')) };
  }

  /** The upload received as the store receives it (UploadWriter and receiveUpload, here on one thread), fed in `piece`-byte writes. */
  async function received(zip: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, piece = 64 * 1024) {
    const dir = await freshFolder();
    await mkdir(path.join(dir, 'out'));
    const { port1, port2 } = new MessageChannel();
    const result = receiveUpload(port2, path.join(dir, 'plugin.zip'), path.join(dir, 'out'), limits);
    const writer = new UploadWriter(path.join(dir, 'plugin.zip'), port1, result, 16 * 1024);
    await pipeline(Readable.from(pieces(zip, piece)), writer);
    const outcome = await result.catch((e: unknown) => e);
    const plugin = outcome instanceof Error ? outcome : (outcome as { plugin: unknown }).plugin;
    const sha256 = outcome instanceof Error ? null : (outcome as { sha256: string }).sha256;
    return { plugin: relativeTo(plugin, path.join(dir, 'out')), files: await tree(path.join(dir, 'out')), sha256, dir };
  }

  /** The ZIP packPluginDirectory makes of these files (sizes and CRC-32 in data descriptors). */
  async function packed(files: Record<string, Buffer | string>): Promise<Buffer> {
    const src = await freshFolder();
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(src, name)), { recursive: true });
      await writeFile(path.join(src, name), content);
    }
    const zip = path.join(await freshFolder(), 'p.zip');
    await packPluginDirectory(src, zip);
    return readFile(zip);
  }

  return { freshFolder, reference, received, packed };
}
