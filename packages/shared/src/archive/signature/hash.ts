import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { resolveInside } from '../entry-rules.js';

/**
 * Files hashed at once. Each holds one open descriptor and one 64 KB read buffer, so 500 files
 * cost 8 descriptors, not 500; 8 keeps the thread pool's 4 workers busy while results come back.
 */
export const HASH_CONCURRENCY = 8;

/** SHA-256 (hex) of each file, streamed, keyed by the `/`-relative path given; a path may not leave dir. */
export async function hashFiles(dir: string, paths: readonly string[], concurrency = HASH_CONCURRENCY): Promise<Record<string, string>> {
  const digests = new Array<string>(paths.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const hash = createHash('sha256');
      await pipeline(createReadStream(resolveInside(dir, paths[i]!)), hash);
      digests[i] = hash.digest('hex');
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  // A null-prototype record: a file named `__proto__` is a key like any other.
  const result: Record<string, string> = Object.create(null) as Record<string, string>;
  paths.forEach((file, i) => {
    result[file] = digests[i]!;
  });
  return result;
}
