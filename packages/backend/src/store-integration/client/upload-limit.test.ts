import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forwardableUpload } from './upload-limit.js';

const multipart = { 'content-type': 'multipart/form-data; boundary=x' };

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of source) bytes += chunk.byteLength;
  return bytes;
}

describe('forwardableUpload', () => {
  it('passes a body within the limit unchanged', async () => {
    expect(await drain(forwardableUpload(Readable.from([Buffer.alloc(600), Buffer.alloc(400)]), multipart, 1000))).toBe(1000);
  });

  it('refuses an announced Content-Length over the limit before reading', () => {
    expect(() => forwardableUpload(Readable.from([]), { ...multipart, 'content-length': '1001' }, 1000)).toThrowError(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', statusCode: 413 }),
    );
  });

  it('stops a chunked body at the first byte past the limit', async () => {
    await expect(drain(forwardableUpload(Readable.from([Buffer.alloc(800), Buffer.alloc(800)]), multipart, 1000))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('refuses a body that is not multipart with 415', () => {
    expect(() => forwardableUpload({ a: 1 }, { 'content-type': 'application/json' }, 1000)).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', statusCode: 415 }),
    );
  });
});
