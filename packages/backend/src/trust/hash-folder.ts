import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { resolveInside } from '@oko/shared/archive';

/** Files read whole below this size; larger ones are streamed, so memory stays bounded by CONCURRENCY × this. */
const WHOLE_FILE_BYTES = 1024 * 1024;
const CONCURRENCY = 8;

/**
 * SHA-256 (hex) of each file, like hashFiles of @oko/shared/archive, but a small file is read in
 * one call instead of through a stream: a plugin is mostly small files, and the stream's set-up per
 * file made a 500-file check about 2-3× slower (bench/scenarios/signature.ts). This runs before
 * every load, so it is worth the few lines.
 */
export async function hashFolderFiles(dir: string, paths: readonly string[]): Promise<Record<string, string>> {
  const digests = new Array<string>(paths.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) digests[i] = await hashOne(resolveInside(dir, paths[i]!));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(CONCURRENCY, paths.length)) }, worker));
  // A null-prototype record: a file named `__proto__` is a key like any other.
  const result = Object.create(null) as Record<string, string>;
  paths.forEach((file, i) => (result[file] = digests[i]!));
  return result;
}

async function hashOne(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= WHOLE_FILE_BYTES) {
      // The size read above may change before the read; the bytes read are what is hashed.
      return createHash('sha256')
        .update(await handle.readFile())
        .digest('hex');
    }
  } finally {
    await handle.close();
  }
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
