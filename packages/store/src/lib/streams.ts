import { Transform, type TransformCallback } from 'node:stream';
import { createError, type OkoError } from '@oko/shared';

/**
 * How much of an upload may wait in memory where it enters (the multipart parser) and where it
 * leaves (the file writer, UploadWriter). Node's 16 KiB default made every step
 * push back on the socket after a chunk or two, so the upload advanced ~64 KiB per event-loop
 * turn; with 200 readers of the catalog a turn takes tens of milliseconds and a 100 MB upload took
 * 20 s. With room for a few MiB, one turn drains what the kernel holds (libuv reads up to 32 x
 * 64 KiB per ready socket), and the writer has the next MiBs at hand while the disk is busy (issue 17).
 */
export const UPLOAD_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The steps in between (the parser's file stream, the checks) pass each chunk straight on while the
 * writer has room: they only need to take a socket read's chunk without pushing back. At
 * UPLOAD_BUFFER_BYTES each (a Transform holds that on both of its sides) a fast sender kept 28 MiB
 * of every upload in memory, and the store grew past the 64 MB it may grow by (upload-memory.test.ts).
 */
export const UPLOAD_STEP_BYTES = 256 * 1024;

export function tooLargeError(maxBytes: number): OkoError {
  return createError('PAYLOAD_TOO_LARGE', `The plugin package is larger than the limit of ${maxBytes} bytes`);
}

/** Passes bytes through and fails with 413 the moment more than maxBytes went by. */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    highWaterMark?: number,
  ) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return callback(tooLargeError(this.maxBytes));
    callback(null, chunk);
  }
}

/**
 * Fails with 408 when no byte arrived for idleMs: a client that stalls must not hold an upload
 * folder (and a file descriptor) forever.
 */
export class IdleTimeout extends Transform {
  private timer: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    highWaterMark?: number,
  ) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.timer = this.arm();
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => {
      this.destroy(createError('UPLOAD_TIMEOUT', `The upload sent no data for ${this.idleMs} ms and was dropped`));
    }, this.idleMs);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // refresh() re-arms the same timer: a 100 MB upload arrives in ~1,600 chunks.
    this.timer.refresh();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(error);
  }
}
