import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createError } from '@oko/shared';

/**
 * The request body of an upload to forward, checked before any byte reaches the store: it must be
 * multipart (the store reads field `file`) and not larger than `maxBytes`. An announced
 * Content-Length over the limit fails at once; a chunked body fails at the first byte past it.
 */
export function forwardableUpload(body: unknown, headers: IncomingHttpHeaders, maxBytes: number): AsyncIterable<Uint8Array> {
  const contentType = headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !isReadable(body)) {
    throw createError('UNSUPPORTED_MEDIA_TYPE', "Upload a ZIP as multipart/form-data with the file in field 'file'");
  }
  const announced = Number(headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) throw tooLarge(maxBytes);
  return counted(body, maxBytes);
}

async function* counted(source: Readable, maxBytes: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    seen += chunk.byteLength;
    if (seen > maxBytes) {
      source.destroy();
      throw tooLarge(maxBytes);
    }
    yield chunk;
  }
}

function tooLarge(maxBytes: number) {
  return createError('PAYLOAD_TOO_LARGE', `Upload is larger than the ${Math.round(maxBytes / 1024 / 1024)} MiB the backend forwards`);
}

function isReadable(value: unknown): value is Readable {
  return typeof (value as Readable | undefined)?.pipe === 'function' && Symbol.asyncIterator in (value as object);
}
