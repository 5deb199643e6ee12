import { createError, isOkoError } from '@oko/shared';
import type { Deadline } from './deadline.js';
import { storeUnavailable, tooBigPackage } from './store-errors.js';

/**
 * A download's body as it arrives, each chunk resetting the idle bound; past `maxPackageBytes` or
 * the whole-download bound it stops with an error that says which (StoreClient.openDownload).
 */
export async function* watchedDownload(
  body: AsyncIterable<Uint8Array>,
  deadline: Deadline,
  baseUrl: string,
  maxPackageBytes: number,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      // Besides the installer's own check against the entry's size: this bound holds for any caller.
      if (bytes > maxPackageBytes) throw tooBigPackage(bytes, maxPackageBytes);
      deadline.reset();
      yield chunk;
    }
  } catch (error) {
    if (isOkoError(error)) throw error;
    if (deadline.totalExpired) {
      const reason = `${deadline.totalReason} (OKO_STORE_DOWNLOAD_TIMEOUT_MS)`;
      throw createError('STORE_UNAVAILABLE', `Plugin store at ${baseUrl} is unavailable: ${reason}`, { cause: error });
    }
    throw storeUnavailable(baseUrl, error, deadline.currentMs);
  } finally {
    deadline.clear();
  }
}
