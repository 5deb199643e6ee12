import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { entryNameProblem, resolveInside } from '../entry-rules.js';
import type { ArchiveLimits } from '../limits.js';
import { writeAll } from '../recycled-io.js';

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const DESCRIPTOR_SIG = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
const LOCAL_HEADER_BYTES = 30;
const DESCRIPTOR_BYTES = 16;
/** A descriptor is taken only when the next record's signature follows it. */
const DESCRIPTOR_LOOKAHEAD = DESCRIPTOR_BYTES + 4;
const HAS_DESCRIPTOR = 0x08;
const ENCRYPTED = 0x01 | 0x40;
const STORED = 0;
const DEFLATE = 8;
const ZIP64_SIZE = 0xffffffff;
/**
 * Descriptor look-alikes (size field and next signature fit, CRC-32 does not) taken in one upload
 * before the stream is left to the full extraction: real data has next to none, and each check of
 * a crafted one costs a write. Per upload, not per entry: 64 in each of 10,000 entries were 640,000
 * writes of 20 bytes, ~3x the work of extracting that file alone.
 */
const MAX_LOOKALIKES = 64;
/**
 * Descriptor signatures seen in one upload before the stream is left to the full extraction. Each
 * costs a check: 100 MB of nothing else took 2.5 s of the thread; real data has a handful (one per
 * entry of a ZIP shipped inside the plugin).
 */
const MAX_SIGNATURES = 100_000;

/** What the stream showed of one entry, before the central directory confirms it (extract.ts). */
export interface StreamedEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  /** A stored file's CRC-32, of the bytes written to its path; null for what was not written. */
  crc32: number | null;
  /** A stored file whose data is already at its path. Deflated entries are inflated afterwards, from the file. */
  written: boolean;
}

/** Entries by the offset of their local header. */
export type StreamedEntryMap = ReadonlyMap<number, StreamedEntry>;

interface Current {
  entry: StreamedEntry;
  /** The compressed size from the local header, or null when a data descriptor follows the data. */
  known: number | null;
  localCrc: number;
  localSize: number;
  bytes: number;
  crc: number;
  file: FileHandle | null;
}

/** The stream cannot be followed from its local headers; the full extraction will read the file. */
class Unfollowable extends Error {}

/**
 * Follows a ZIP as it arrives, from its local headers, and writes the data of its stored files
 * to their paths at once, so a big upload is mostly extracted by the time its last byte is in.
 * Nothing it sees is trusted: it writes only names the entry rules allow, inside destDir, within
 * the unpacked-size budget, and what it wrote counts only once the central directory, read from
 * the finished file, names every entry at the same offset with the same name, method, flags,
 * size and CRC-32 (extractArchive's `streamed`). Anything it cannot follow (prepended bytes, extra
 * fields, ZIP64, a descriptor without signature) stops it, and the full extraction takes over.
 */
export class StreamedEntries {
  private pending = Buffer.alloc(0);
  private work = Buffer.alloc(0);
  /** Offset in the ZIP of pending[0]. */
  private offset = 0;
  private current: Current | null = null;
  private state: 'entries' | 'central' | 'stopped' = 'entries';
  private unpacked = 0;
  private lookalikes = 0;
  private signatures = 0;
  private readonly entries = new Map<number, StreamedEntry>();

  constructor(
    private readonly destDir: string,
    private readonly limits: ArchiveLimits,
  ) {}

  /** Takes the next bytes of the ZIP; never throws (what it cannot follow, it stops following). */
  async push(chunk: Buffer): Promise<void> {
    if (this.state !== 'entries') return;
    const buffer = this.pending.length > 0 ? this.joined(chunk) : chunk;
    let at = 0;
    try {
      for (;;) {
        const used = this.current ? await this.data(buffer, at, this.current) : await this.header(buffer, at);
        if (used === null || this.state !== 'entries') break;
        at += used;
      }
    } catch {
      await this.stop();
      return;
    }
    this.offset += at;
    // A copy: the caller reads the next chunk into the same buffer (receiveUpload), and a slice
    // would also keep a whole chunk alive for a few bytes. Past the entries, nothing is kept.
    this.pending = this.state === 'entries' ? Buffer.from(buffer.subarray(at)) : Buffer.alloc(0);
  }

  /**
   * The bytes left from the last chunk, then this one, in a buffer used over and over: a new one
   * per chunk was 100 MB of garbage per 100 MB upload, which the thread's heap let grow to ~30 MB
   * of RSS before collecting it. Reused only once the last push's writes are done.
   */
  private joined(chunk: Buffer): Buffer {
    const length = this.pending.length + chunk.length;
    if (this.work.length < length) this.work = Buffer.allocUnsafeSlow(Math.max(length, 2 * this.work.length));
    this.pending.copy(this.work, 0);
    chunk.copy(this.work, this.pending.length);
    return this.work.subarray(0, length);
  }

  /** The entries seen, if the stream was followed to its central directory; null otherwise. */
  async finish(): Promise<StreamedEntryMap | null> {
    const followed = this.state === 'central' && this.current === null;
    await this.stop();
    return followed ? this.entries : null;
  }

  private async stop(): Promise<void> {
    this.state = this.state === 'central' ? 'central' : 'stopped';
    const file = this.current?.file;
    this.current = null;
    await file?.close().catch(() => undefined);
  }

  /** Reads a local header (or sees the central directory begin); null when more bytes are needed. */
  private async header(buffer: Buffer, at: number): Promise<number | null> {
    if (buffer.length - at < 4) return null;
    const signature = buffer.readUInt32LE(at);
    if (signature === CENTRAL_SIG) {
      this.state = 'central';
      return null;
    }
    if (signature !== LOCAL_SIG) throw new Unfollowable();
    if (buffer.length - at < LOCAL_HEADER_BYTES) return null;
    const flags = buffer.readUInt16LE(at + 6);
    const method = buffer.readUInt16LE(at + 8);
    const compressed = buffer.readUInt32LE(at + 18);
    const size = buffer.readUInt32LE(at + 22);
    const nameLength = buffer.readUInt16LE(at + 26);
    const extraLength = buffer.readUInt16LE(at + 28);
    const length = LOCAL_HEADER_BYTES + nameLength + extraLength;
    if (extraLength > 0 || (flags & ENCRYPTED) !== 0 || (method !== STORED && method !== DEFLATE)) throw new Unfollowable();
    if (compressed === ZIP64_SIZE || size === ZIP64_SIZE || this.entries.size >= this.limits.maxEntries) throw new Unfollowable();
    if (buffer.length - at < length) return null;
    const name = yauzl.getFileNameLowLevel(flags, buffer.subarray(at + LOCAL_HEADER_BYTES, at + length), [], true);
    if (entryNameProblem(name) !== null) throw new Unfollowable();
    const entry: StreamedEntry = { name, flags, method, compressedSize: 0, crc32: null, written: false };
    this.entries.set(this.offset + at, entry);
    const known = (flags & HAS_DESCRIPTOR) === 0 ? compressed : null;
    const current: Current = {
      entry,
      known,
      localCrc: buffer.readUInt32LE(at + 14),
      localSize: size,
      bytes: 0,
      crc: 0,
      file: null,
    };
    this.current = current;
    if (method === STORED && !name.endsWith('/')) {
      const target = resolveInside(this.destDir, name);
      await mkdir(path.dirname(target), { recursive: true });
      current.file = await open(target, 'wx', 0o644);
      entry.written = true;
    }
    return length;
  }

  /** Takes the current entry's data from `at`; null when more bytes are needed. */
  private async data(buffer: Buffer, at: number, current: Current): Promise<number | null> {
    if (current.known !== null) {
      const take = Math.min(current.known - current.bytes, buffer.length - at);
      await this.take(current, buffer.subarray(at, at + take));
      if (current.bytes < current.known) return take > 0 ? take : null;
      await this.endEntry(current, current.localCrc, current.localSize);
      return take;
    }
    // The data ends where a descriptor with its own size in it is followed by the next record.
    let start = at;
    for (let hit = buffer.indexOf(DESCRIPTOR_SIG, at); ; hit = buffer.indexOf(DESCRIPTOR_SIG, hit + 1)) {
      if (hit === -1 || buffer.length - hit < DESCRIPTOR_LOOKAHEAD) {
        // A signature may straddle two chunks (its first bytes wait for the next one), and one
        // found needs the bytes after it.
        const upto = hit === -1 ? Math.max(start, buffer.length - (DESCRIPTOR_SIG.length - 1)) : hit;
        await this.take(current, buffer.subarray(start, upto));
        return upto > at ? upto - at : null;
      }
      if (++this.signatures > MAX_SIGNATURES) throw new Unfollowable();
      const next = buffer.readUInt32LE(hit + DESCRIPTOR_BYTES);
      const size = current.bytes + (hit - start);
      if (buffer.readUInt32LE(hit + 8) !== size || (next !== LOCAL_SIG && next !== CENTRAL_SIG)) continue;
      await this.take(current, buffer.subarray(start, hit));
      start = hit;
      const crc = buffer.readUInt32LE(hit + 4);
      const uncompressed = buffer.readUInt32LE(hit + 12);
      if (current.entry.method === DEFLATE || (crc === current.crc >>> 0 && uncompressed === current.bytes)) {
        await this.endEntry(current, crc, uncompressed);
        return hit + DESCRIPTOR_BYTES - at;
      }
      if (++this.lookalikes > MAX_LOOKALIKES) throw new Unfollowable();
    }
  }

  /** The next bytes of the current entry: a stored file's are checked against the budget and written. */
  private async take(current: Current, bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    current.bytes += bytes.length;
    if (!current.file) return;
    this.unpacked += bytes.length;
    if (this.unpacked > this.limits.maxUnpackedBytes) throw new Unfollowable();
    current.crc = zlib.crc32(bytes, current.crc);
    await writeAll(current.file, bytes);
  }

  private async endEntry(current: Current, crc: number, size: number): Promise<void> {
    const { entry, file } = current;
    entry.compressedSize = current.bytes;
    if (file) {
      if (size !== current.bytes || crc >>> 0 !== current.crc >>> 0) throw new Unfollowable();
      entry.crc32 = crc >>> 0;
    }
    this.current = null;
    await file?.close();
  }
}
