import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { createError } from '../errors.js';
import { shouldDeflate } from './compressibility.js';
import { ENTRY_CHUNK_BYTES } from './entry-data.js';
import { useNativeCrc32ForYazl } from './fast-crc.js';
import { MAX_PATH_SEGMENTS } from './entry-rules.js';
import { isCanonicalPackage } from './canonical.js';
import { FIXED_MTIME, PACKED_MODE } from './zip-format.js';
import { BufferRecycler, recycledReadStream, recyclingFileWriter } from './recycled-io.js';

export interface PackOptions {
  /** Leaves out a path (relative, `/`-separated) and everything below it, e.g. `.git` or `node_modules`. */
  exclude?: (relativePath: string, isDirectory: boolean) => boolean;
}

useNativeCrc32ForYazl();

async function listFiles(root: string, relative: string, options: PackOptions, out: string[]): Promise<void> {
  // The extractor refuses deeper names; refusing them here too spares the author an upload to find out.
  if (relative.split('/').length >= MAX_PATH_SEGMENTS) {
    throw createError('INVALID_ARCHIVE', `plugin folder nests folders more than ${MAX_PATH_SEGMENTS} deep: ${relative}`);
  }
  const children = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const child of children) {
    const rel = relative ? `${relative}/${child.name}` : child.name;
    if (child.isSymbolicLink()) {
      throw createError('INVALID_ARCHIVE', `plugin folder contains a symbolic link: ${rel}`);
    }
    if (options.exclude?.(rel, child.isDirectory())) continue;
    if (child.isDirectory()) await listFiles(root, rel, options, out);
    else if (child.isFile()) out.push(rel);
    else throw createError('INVALID_ARCHIVE', `plugin folder contains something that is not a file or folder: ${rel}`);
  }
}

/**
 * Every file of a plugin folder that `exclude` keeps, as sorted `/`-relative paths. Refuses links
 * and special files, as the archive would. Code-unit order, the same order JCS sorts keys in.
 */
export async function listPackageFiles(dir: string, options: PackOptions = {}): Promise<string[]> {
  const files: string[] = [];
  await listFiles(path.resolve(dir), '', options, files);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Files judged at once: each holds one sample buffer while its deflate runs in the thread pool. */
const JUDGE_CONCURRENCY = 4;

/** One file of a package, in package order. */
export interface PlannedFile {
  /** `/`-relative path: the entry name. */
  path: string;
  deflate: boolean;
  size: number;
}

/** What a package of a folder holds, before a byte of it is written (see packPluginDirectory). */
export interface PackPlan {
  dir: string;
  files: PlannedFile[];
}

/** Lists a folder as packPluginDirectory would pack it, and judges each file (stored or deflated). */
export async function planPackage(dir: string, options: PackOptions = {}): Promise<PackPlan> {
  const files = await listPackageFiles(dir, options);
  const planned = new Array<PlannedFile>(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = path.join(dir, files[i]!);
      planned[i] = { path: files[i]!, deflate: await shouldDeflate(file), size: (await stat(file)).size };
    }
  };
  await Promise.all(Array.from({ length: Math.min(JUDGE_CONCURRENCY, files.length) }, worker));
  return { dir, files: planned };
}

export interface PackedFile {
  size: number;
  sha256: string;
}

/**
 * A ZIP of the plugin that is already this folder's package, byte for byte (what `oko-plugin pack`
 * uploads), with its SHA-256 (taken as it arrived).
 */
export interface PackCandidate {
  file: string;
  sha256: string;
}

/**
 * A normalized, deterministic ZIP of a plugin folder: the plugin at the root, files sorted by
 * path, fixed mtimes and modes, no links, no folder entries. Same folder content, same bytes.
 * Each file is deflated or stored by `shouldDeflate`, which looks only at its name and content.
 * Written to a temp file beside outFile and renamed, so readers never see a partial archive.
 *
 * With a `candidate` that already holds exactly those bytes (checked by isCanonicalPackage), the
 * candidate is linked as outFile instead: a 100 MB upload is not read, deflated-or-copied, hashed
 * and written a second time (issue 17). The result is the same bytes either way.
 */
export async function packPluginDirectory(
  dir: string,
  outFile: string,
  options: PackOptions & { candidate?: PackCandidate | undefined } = {},
): Promise<PackedFile> {
  const plan = await planPackage(dir, options);
  if (options.candidate && (await isCanonicalPackage(options.candidate.file, plan))) {
    return linkCandidate(options.candidate, outFile);
  }
  return writePackage(plan, outFile);
}

async function linkCandidate(candidate: PackCandidate, outFile: string): Promise<PackedFile> {
  // A link shares the bytes; a copy (another file system) is still cheaper than packing again.
  await link(candidate.file, outFile).catch(() => copyFile(candidate.file, outFile));
  return { size: (await stat(outFile)).size, sha256: candidate.sha256 };
}

async function writePackage({ dir, files }: PackPlan, outFile: string): Promise<PackedFile> {
  const zip = new yazl.ZipFile();
  const recycler = new BufferRecycler(ENTRY_CHUNK_BYTES);
  for (const { path: rel, deflate, size } of files) {
    // What yazl's addFile does (the declared size is checked against the bytes read), but in large
    // reads: addFile's 64 KiB stream made a 100 MB file ~1,600 thread-pool round trips. Same bytes.
    // A read error ends the output (and so the pipeline below) instead of leaving it waiting.
    const open = (done: (error: Error | null, stream: NodeJS.ReadableStream) => void) => {
      // A stored file's chunks reach the output file as they are, so their buffers can be reused (recycled-io.ts);
      // a deflated one's go into zlib, which keeps them for a while.
      const file = path.join(dir, rel);
      const stream = deflate ? createReadStream(file, { highWaterMark: ENTRY_CHUNK_BYTES }) : recycledReadStream(file, recycler);
      stream.once('error', (error: Error) => (zip.outputStream as PassThrough).destroy(error));
      done(null, stream);
    };
    zip.addReadStreamLazy(rel, { mtime: FIXED_MTIME, mode: PACKED_MODE, compress: deflate, forceDosTimestamp: true, size }, open);
  }
  zip.end();

  // Random, not a timestamp: two rebuilds of one package in the same millisecond must not collide.
  const temp = `${outFile}.${randomBytes(6).toString('hex')}.tmp`;
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(zip.outputStream, measure, recyclingFileWriter(temp, recycler));
    await rename(temp, outFile);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Read through one buffer used over and over: a stream allocates one per read, and the store hashes
 * whole packages (first download, recovery), whose buffers pile up as external memory that V8
 * collects with full, request-pausing garbage collections (issue 17).
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(ENTRY_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
