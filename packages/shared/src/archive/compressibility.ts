import { open } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * Extensions of formats that are compressed already: deflating them again costs seconds on a big
 * file and saves next to nothing, so they are stored without a trial.
 */
const COMPRESSED_EXTENSIONS = new Set([
  // images, fonts
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.avif',
  '.heic',
  '.woff',
  '.woff2',
  // archives and compressed streams
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.zst',
  '.br',
  '.7z',
  '.rar',
  '.jar',
  // audio, video
  '.mp3',
  '.mp4',
  '.m4a',
  '.aac',
  '.ogg',
  '.opus',
  '.webm',
  '.mov',
  '.mkv',
]);

/** How much of a file's start is deflated to judge it: bounded, so a 100 MB file costs one 64 KiB trial. */
export const SAMPLE_BYTES = 64 * 1024;
/** Deflating must save at least this share of the sample, or the file is stored. */
export const MIN_SAVING = 0.05;
/** yazl's default level, so deflated entries come out as they always did. */
export const DEFLATE_LEVEL = 6;

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * Whether a file is worth deflating in a package. Depends only on the file's name and its first
 * SAMPLE_BYTES bytes (never on timing or chunking), so the same folder always packs the same way.
 * An empty file is stored: deflate would only add its two-byte end marker.
 */
export async function shouldDeflate(file: string): Promise<boolean> {
  if (COMPRESSED_EXTENSIONS.has(path.extname(file).toLowerCase())) return false;
  const sample = await readStart(file, SAMPLE_BYTES);
  if (sample.length === 0) return false;
  const deflated = await deflateRaw(sample, { level: DEFLATE_LEVEL });
  return deflated.length <= sample.length * (1 - MIN_SAVING);
}

/** The first `max` bytes of a file (fewer only at its end): one read may return less, so it loops. */
async function readStart(file: string, max: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(max);
    let filled = 0;
    while (filled < max) {
      const { bytesRead } = await handle.read(buffer, filled, max - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
