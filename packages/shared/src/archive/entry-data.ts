import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';

/**
 * Read and inflate size for big entries. yauzl's own entry streams read 16 KiB at a time, one
 * thread-pool round trip each: a 100 MB entry took ~0.5 s that way and ~0.1 s in 256 KiB reads.
 */
export const ENTRY_CHUNK_BYTES = 256 * 1024;

const METHOD_DEFLATE = 8;

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
