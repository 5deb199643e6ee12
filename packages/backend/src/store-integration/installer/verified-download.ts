import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createError, type OkoError } from '@oko/shared';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';

function mismatch(entry: CatalogEntry, detail: string): OkoError {
  return createError(
    'CHECKSUM_MISMATCH',
    `The package of '${entry.name}' from the store does not match its catalog entry (${detail}); nothing was installed`,
  );
}

/**
 * Streams the store's package for `entry` into `file`, hashing as it goes, and proves it is
 * exactly the bytes the catalog describes (size and SHA-256). Stops as soon as the download is
 * longer than announced, so a lying or broken store cannot fill the disk.
 */
export async function downloadVerified(client: StoreClient, entry: CatalogEntry, file: string): Promise<void> {
  const expectedSha = entry.sha256.toLowerCase();
  // The entry's word is the store's: the backend's own limit decides what this host downloads.
  if (entry.size > client.maxPackageBytes) {
    throw createError(
      'INVALID_PACKAGE',
      `The store lists '${entry.name}' at ${entry.size} bytes, over the ${Math.round(client.maxPackageBytes / 1024 / 1024)} MiB ` +
        'the backend downloads (OKO_STORE_MAX_PACKAGE_MB); nothing was downloaded',
    );
  }
  const download = await client.openDownload(entry.id);
  if (download.contentLength !== undefined && download.contentLength !== entry.size) {
    download.cancel();
    throw mismatch(entry, `store sends ${download.contentLength} bytes, catalog says ${entry.size}`);
  }
  if (download.sha256Header !== undefined && download.sha256Header !== expectedSha) {
    download.cancel();
    throw mismatch(entry, 'the download announces another SHA-256 than the catalog');
  }
  const hash = createHash('sha256');
  let bytes = 0;
  async function* counted(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      bytes += chunk.byteLength;
      if (bytes > entry.size) {
        download.cancel();
        throw mismatch(entry, `more than the ${entry.size} bytes the catalog lists`);
      }
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(download.body, counted, createWriteStream(file, { flags: 'wx' }));
  if (bytes !== entry.size) throw mismatch(entry, `got ${bytes} bytes, catalog says ${entry.size}`);
  const actual = hash.digest('hex');
  if (actual !== expectedSha) throw mismatch(entry, `SHA-256 is ${actual}, catalog says ${expectedSha}`);
}
