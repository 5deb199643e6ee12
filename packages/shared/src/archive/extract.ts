import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { createError, isOkoError, type OkoError } from '../errors.js';
import { copyStoredEntry, ENTRY_CHUNK_BYTES, openEntryData } from './entry-data.js';
import { EntryNameRegistry, entryKind, entryNameProblem, resolveInside, type EntryKind } from './entry-rules.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits.js';
import type { StreamedEntry, StreamedEntryMap } from './receive/streamed-entries.js';

export interface ExtractedArchive {
  /** destDir, or its one top-level folder when the archive wraps everything in one (GitHub zipballs). */
  root: string;
  entries: number;
  unpackedBytes: number;
}

const STRONG_ENCRYPTION_FLAG = 0x40;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

function invalid(message: string, cause?: unknown): OkoError {
  return createError('INVALID_ARCHIVE', message, cause === undefined ? undefined : { cause });
}

function show(name: string): string {
  return JSON.stringify(name);
}

/**
 * The central directory does not describe what was streamed (StreamedEntries): the folder is
 * emptied and the caller extracts from the file alone. Not a refusal: the file may be fine.
 */
export class StreamedMismatch extends Error {}

/**
 * Extracts zipPath into destDir (existing, empty) under every safety rule; on failure destDir is
 * emptied again so nothing half-written survives. Does not look for a manifest. With `streamed`,
 * destDir already holds the stored files StreamedEntries wrote while the ZIP arrived: each entry
 * is checked as it would be extracted, and one written already is only counted if the central
 * directory has it at the same offset with the same name, method, flags, size and CRC-32 (the
 * same bytes, then); any other difference is a StreamedMismatch.
 */
export async function extractArchive(
  zipPath: string,
  destDir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  streamed?: StreamedEntryMap,
): Promise<ExtractedArchive> {
  const dest = path.resolve(destDir);
  if (!streamed && (await readdir(dest)).length > 0) throw new Error(`extraction folder is not empty: ${dest}`);
  let zip: ZipFile;
  try {
    // decodeStrings off: yauzl would turn backslashes into slashes; names are decoded and checked here.
    zip = await yauzl.openPromise(zipPath, {
      lazyEntries: true,
      validateEntrySizes: true,
      decodeStrings: false,
      autoClose: false,
      strictFileNames: false,
    });
  } catch (error) {
    // What was streamed is there already: a ZIP whose entries arrived whole but whose central
    // directory is cut off or broken would otherwise leave them behind a refusal.
    if (streamed) await emptyFolder(dest);
    throw invalid(`not a valid ZIP archive (${(error as Error).message})`, error);
  }
  try {
    return await extractEntries(zip, zipPath, dest, limits, streamed);
  } catch (error) {
    await emptyFolder(dest);
    throw toArchiveError(error);
  } finally {
    zip.close();
  }
}

async function extractEntries(
  zip: ZipFile,
  zipPath: string,
  dest: string,
  limits: ArchiveLimits,
  streamed?: StreamedEntryMap,
): Promise<ExtractedArchive> {
  // Each streamed entry is claimed once: two central records naming one offset would leave another unclaimed.
  const unclaimed = streamed && new Map(streamed);
  if (unclaimed && unclaimed.size !== zip.entryCount) throw new StreamedMismatch('another number of entries');
  if (zip.entryCount === 0) throw invalid('the archive is empty');
  if (zip.entryCount > limits.maxEntries) {
    throw invalid(`the archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed`);
  }
  const names = new EntryNameRegistry();
  const topLevel = new Map<string, EntryKind>();
  let declared = 0;
  let written = 0;
  let count = 0;
  for await (const entry of zip.eachEntry()) {
    if (++count > limits.maxEntries) throw invalid(`the archive has more than ${limits.maxEntries} entries`);
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const kind = checkEntry(entry, name);
    const early = unclaimed && streamedAs(unclaimed, entry, name, kind);
    const conflict = names.add(name, kind);
    if (conflict) throw invalid(`${conflict}: ${show(name)}`);
    const [top = '', ...rest] = name.replace(/\/$/, '').split('/');
    topLevel.set(top, rest.length > 0 ? 'directory' : kind);

    const target = resolveInside(dest, name);
    if (kind === 'directory') {
      await mkdir(target, { recursive: true });
      continue;
    }
    // Declared sizes are a cheap early refusal; the real bytes are counted below regardless.
    declared += entry.uncompressedSize;
    if (declared > limits.maxUnpackedBytes) throw tooLarge(limits);
    await mkdir(path.dirname(target), { recursive: true });
    if (early?.written) {
      written += entry.uncompressedSize;
      if (written > limits.maxUnpackedBytes) throw tooLarge(limits);
      continue;
    }
    const counter = new EntryByteCounter(name, entry, limits.maxUnpackedBytes - written, limits);
    if (entry.compressionMethod === METHOD_STORED && entry.compressedSize > ENTRY_CHUNK_BYTES) {
      await copyStoredEntry(zip, zipPath, entry, target, (chunk) => counter.countChunk(chunk));
      counter.checkEnd();
    } else {
      const source = await openEntryData(zip, zipPath, entry);
      await pipeline(source, counter, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
    }
    written += counter.bytes;
  }
  return { root: pickRoot(dest, topLevel), entries: count, unpackedBytes: written };
}

/** What StreamedEntries saw at this entry's offset, if it is what the central directory says. */
function streamedAs(unclaimed: Map<number, StreamedEntry>, entry: Entry, name: string, kind: EntryKind): StreamedEntry {
  const seen = unclaimed.get(entry.relativeOffsetOfLocalHeader);
  unclaimed.delete(entry.relativeOffsetOfLocalHeader);
  const same =
    seen !== undefined &&
    seen.name === name &&
    seen.flags === entry.generalPurposeBitFlag &&
    seen.method === entry.compressionMethod &&
    seen.compressedSize === entry.compressedSize &&
    // Written: a stored file, the bytes its size and CRC-32 describe. Not written: inflated below, from the file.
    seen.written === (kind === 'file' && entry.compressionMethod === METHOD_STORED) &&
    (!seen.written || (seen.crc32 === entry.crc32 >>> 0 && entry.uncompressedSize === entry.compressedSize));
  if (!same) throw new StreamedMismatch(`entry ${show(name)} is not what arrived`);
  return seen;
}

/** Refuses what must never be written; returns whether the entry is a file or a folder. */
function checkEntry(entry: Entry, name: string): EntryKind {
  const problem = entryNameProblem(name);
  if (problem) throw invalid(`${problem}: ${show(name)}`);
  const kind = entryKind(name, entry.externalFileAttributes);
  if (kind === 'symlink') throw invalid(`symbolic links are not allowed: ${show(name)}`);
  if (kind === 'special') throw invalid(`only files and folders are allowed: ${show(name)}`);
  if (entry.isEncrypted() || (entry.generalPurposeBitFlag & STRONG_ENCRYPTION_FLAG) !== 0) {
    throw invalid(`encrypted entries are not supported: ${show(name)}`);
  }
  if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATE) {
    throw invalid(`unsupported compression method ${entry.compressionMethod}: ${show(name)}`);
  }
  return kind;
}

function pickRoot(dest: string, topLevel: Map<string, EntryKind>): string {
  if (topLevel.get('manifest.json') === 'file') return dest;
  // macOS Finder adds __MACOSX/ beside the real folder; it must not hide the one-folder layout.
  const tops = [...topLevel].filter(([name]) => name !== '__MACOSX');
  const only = tops.length === 1 ? tops[0] : undefined;
  return only && only[1] === 'directory' ? path.join(dest, only[0]) : dest;
}

function tooLarge(limits: ArchiveLimits): OkoError {
  return invalid(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
}

/**
 * Counts the bytes really produced by inflating, so a header that lies about sizes cannot get
 * more than the budget onto disk, and checks the CRC-32 that yauzl leaves unchecked.
 */
class EntryByteCounter extends Transform {
  bytes = 0;
  private crc = 0;

  constructor(
    private readonly name: string,
    private readonly entry: Entry,
    private readonly budget: number,
    private readonly limits: ArchiveLimits,
  ) {
    super();
  }

  /** Counts and checks one chunk of the entry's data; throws when it breaks the budget or the header. */
  countChunk(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.budget) throw tooLarge(this.limits);
    if (this.bytes > this.entry.uncompressedSize) {
      throw invalid(`entry ${show(this.name)} holds more data than its header declares`);
    }
    this.crc = zlib.crc32(chunk, this.crc);
  }

  /** After the last chunk: throws unless the size and CRC-32 are the declared ones. */
  checkEnd(): void {
    if (this.bytes !== this.entry.uncompressedSize) {
      throw invalid(`entry ${show(this.name)} holds less data than its header declares`);
    }
    if (this.crc >>> 0 !== this.entry.crc32 >>> 0) throw invalid(`entry ${show(this.name)} fails its CRC-32 check`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.countChunk(chunk);
    } catch (error) {
      return callback(error as Error);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.checkEnd();
    } catch (error) {
      return callback(error as Error);
    }
    callback();
  }
}

/** Our refusals and file-system failures pass through; anything else came from a damaged archive. */
function toArchiveError(error: unknown): unknown {
  if (isOkoError(error) || error instanceof StreamedMismatch) return error;
  if (error instanceof Error && 'syscall' in error) return error;
  const message = error instanceof Error ? error.message : String(error);
  return invalid(`damaged archive: ${message}`, error);
}

/** Removes everything inside dir, keeping dir itself (the caller owns it). */
export async function emptyFolder(dir: string): Promise<void> {
  const children = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(children.map((child) => rm(path.join(dir, child), { recursive: true, force: true })));
}
