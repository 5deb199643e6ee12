import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';
import { writeAll } from './recycled-io.js';

/**
 * Read and inflate size for big entries. yauzl's own entry streams read 16 KiB at a time, one
 * thread-pool round trip each: a 100 MB entry took ~0.5 s that way and ~0.1 s in 256 KiB reads.
 */
export const ENTRY_CHUNK_BYTES = 256 * 1024;

const METHOD_DEFLATE = 8;

/**
 * Chunk size of copyStoredEntry. Each chunk costs an event-loop turn or two, and a turn of a store
 * serving 200 catalog readers takes tens of milliseconds: in 256 KiB chunks a 100 MB entry took
 * 400 turns, seconds under that load (issue 17). Two buffers of this size per extraction; the
 * CRC-32 of one chunk takes well under a millisecond.
 */
export const STORED_COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The (inflated) data of a file entry of the archive at zipPath (the one yauzl opened). The
 * caller checks the entry (stored or deflate, not encrypted) and counts the bytes and the CRC-32
 * that come out. Small entries go through yauzl, which reads them over its one descriptor. A big
 * one is read in large chunks over a descriptor of its own (opening one costs about as much as a
 * few small reads, and destroying an fs stream closes its descriptor even with autoClose off, so
 * one descriptor could not be shared); yauzl still reads its local header and checks that the
 * data lies inside the archive.
 */
export async function openEntryData(zip: ZipFile, zipPath: string, entry: Entry): Promise<Readable> {
  if (entry.compressedSize <= ENTRY_CHUNK_BYTES) return zip.openReadStreamPromise(entry);
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const raw = createReadStream(zipPath, {
    start: fileDataStart,
    end: fileDataStart + entry.compressedSize - 1,
    highWaterMark: ENTRY_CHUNK_BYTES,
  });
  if (entry.compressionMethod !== METHOD_DEFLATE) return raw;
  const inflate = zlib.createInflateRaw({ chunkSize: ENTRY_CHUNK_BYTES });
  raw.once('error', (error: Error) => inflate.destroy(error));
  inflate.once('close', () => raw.destroy());
  return raw.pipe(inflate);
}

/**
 * Copies a big stored (not deflated) entry's data to `target` (created, mode 0644) through two
 * buffers used over and over, handing each chunk to `take` (which counts and checks it, and may
 * throw) before it is written. A stream would allocate a new buffer per read: on a 100 MB entry
 * that is 100 MB of buffers, and V8 answers that much external memory with a full garbage
 * collection every ~64 MB, each pausing every request of the store (issue 17). Reads and writes
 * still overlap: the next chunk is read while the last one is written. Stops early at the end of
 * the file; the caller's count then finds the entry short.
 */
export async function copyStoredEntry(
  zip: ZipFile,
  zipPath: string,
  entry: Entry,
  target: string,
  take: (chunk: Buffer) => void,
): Promise<void> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const size = Math.min(STORED_COPY_CHUNK_BYTES, entry.compressedSize);
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  const source = await open(zipPath, 'r');
  try {
    const out = await open(target, 'wx', 0o644);
    // Awaited before its buffer is read into again; caught here so a read error cannot leave it unhandled.
    let writing: Promise<unknown> = Promise.resolve();
    let failed: unknown = null;
    try {
      for (let done = 0, turn = 0; done < entry.compressedSize; turn ^= 1) {
        const buffer = buffers[turn]!;
        const want = Math.min(buffer.length, entry.compressedSize - done);
        const { bytesRead } = await source.read(buffer, 0, want, fileDataStart + done);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        take(chunk);
        await writing;
        if (failed) throw failed;
        writing = writeAll(out, chunk).catch((error: unknown) => (failed = error));
        done += bytesRead;
      }
      await writing;
      if (failed) throw failed;
    } finally {
      await writing;
      await out.close();
    }
  } finally {
    await source.close();
  }
}
