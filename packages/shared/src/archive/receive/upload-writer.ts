import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { createError, isCodedError } from '../../errors.js';
import { writeAll } from '../recycled-io.js';

/** What the writing side posts on an upload's port: how much of the file is written, its end, or that it was abandoned. */
export type UploadProgress = { written: number } | { end: number } | 'abort';

/**
 * The main thread's end of an upload received with the archive thread (receiveUpload): writes the
 * bytes to a new file (`wx`) as a file stream would, and after each write tells the thread how
 * much of the file is there, so the thread reads, hashes and extracts it close behind. The socket
 * is never held back by the thread: a thread that lags (it runs at a lower priority) catches up
 * from the file, and nothing waits in memory for it. Destroyed before its end (a 413, a dropped
 * client), it tells the thread to stop; a thread that fails destroys it with that error.
 */
export class UploadWriter extends Writable {
  private handle: FileHandle | null = null;
  private total = 0;
  private told = false;
  private ended = false;

  constructor(
    private readonly file: string,
    private readonly port: MessagePort,
    settled: Promise<unknown>,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
    settled.then(
      () => port.close(),
      (error: unknown) => {
        port.close();
        this.destroy(storeFault(error));
      },
    );
  }

  /**
   * Whether the thread was told of any bytes. If not, a writer destroyed before its end left
   * nothing of the thread's on disk (receiveUpload creates nothing before that), so nobody need wait for it.
   */
  get toldAny(): boolean {
    return this.told;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.file, 'wx').then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error: unknown) => callback(storeFault(error)),
    );
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map(({ chunk }) => chunk);
    writeAllv(this.handle!, buffers).then(
      () => {
        this.total += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
        this.tell({ written: this.total });
        callback();
      },
      (error: unknown) => callback(storeFault(error)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const closing = this.handle!.close();
    this.handle = null;
    closing.then(
      () => {
        this.ended = true;
        this.tell({ end: this.total });
        callback();
      },
      (error: unknown) => callback(storeFault(error)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.ended) this.port.postMessage('abort' satisfies UploadProgress);
    this.ended = true;
    const closing = this.handle?.close() ?? Promise.resolve();
    this.handle = null;
    closing.then(
      () => callback(error),
      () => callback(error),
    );
  }

  private tell(progress: UploadProgress): void {
    this.told = true;
    this.port.postMessage(progress);
  }
}

/**
 * The upload route answers an error without a code as a broken body (400), since the multipart
 * parser's errors have none. This writer's own are the store's fault (a file-system error keeps its
 * code for the error handler; anything else is a bug here or in the thread): 500.
 */
function storeFault(error: unknown): Error {
  if (isCodedError(error)) return error;
  return createError('INTERNAL_ERROR', 'The store could not write the upload', { cause: error });
}

/** Writes every byte of `buffers` in order: one writev, and the rest chunk by chunk if it wrote less. */
async function writeAllv(out: FileHandle, buffers: Buffer[]): Promise<void> {
  let { bytesWritten } = await out.writev(buffers);
  for (const buffer of buffers) {
    if (bytesWritten >= buffer.length) {
      bytesWritten -= buffer.length;
      continue;
    }
    await writeAll(out, buffer.subarray(bytesWritten));
    bytesWritten = 0;
  }
}
