import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { UploadMessage } from './receive-upload.js';

/**
 * Size of the chunks posted to the archive thread. A socket's chunks are 16-64 KiB: each one
 * posted would be a message and an answer; a MiB at a time is ~100 of each for 100 MB.
 */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * The main thread's end of an upload received on the archive thread (receiveUpload): bytes written
 * here are copied into chunks of their own, whose memory is handed over with the message (no
 * second copy) and handed back once written. At most `inFlightBytes` may be posted and not yet written by the thread; beyond
 * that a write waits, which pushes back on the socket as a file stream would. Destroyed before its
 * end (a 413, a dropped client), it tells the thread to stop; a thread that fails destroys it
 * with that error, so the upload stops at once.
 */
export class UploadSink extends Writable {
  private chunk: Buffer | null = null;
  /** Chunks the thread has written and sent back: an upload cycles through a few instead of allocating 100 for 100 MB. */
  private readonly free: Buffer[] = [];
  private filled = 0;
  private inFlight = 0;
  private blocked: (() => void) | null = null;
  private ended = false;
  private posted = false;

  constructor(
    private readonly port: MessagePort,
    settled: Promise<unknown>,
    private readonly inFlightBytes: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
    port.on('message', (written: Uint8Array) => {
      this.inFlight -= written.byteLength;
      this.free.push(Buffer.from(written.buffer));
      if (this.inFlight < this.inFlightBytes) this.unblock();
    });
    settled.then(
      () => port.close(),
      (error: unknown) => {
        port.close();
        this.destroy(error as Error);
      },
    );
  }

  /**
   * Whether any bytes went to the thread. If not, a sink destroyed before its end left nothing on
   * disk (receiveUpload creates nothing before its first chunk), so nobody need wait for the thread.
   */
  get sentAny(): boolean {
    return this.posted;
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (let at = 0; at < data.length;) {
      this.chunk ??= this.free.pop() ?? Buffer.allocUnsafeSlow(UPLOAD_CHUNK_BYTES);
      const copied = data.copy(this.chunk, this.filled, at);
      this.filled += copied;
      at += copied;
      if (this.filled === this.chunk.length) this.post();
    }
    if (this.inFlight < this.inFlightBytes) callback();
    else this.blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.filled > 0) this.post();
    this.send('end');
    this.ended = true;
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.ended) this.send('abort');
    this.ended = true;
    this.unblock();
    callback(error);
  }

  private post(): void {
    // The chunk's own ArrayBuffer (allocUnsafeSlow, never a pooled one) is transferred: the thread owns it, nothing is copied again.
    const buffer = this.chunk!.buffer as ArrayBuffer;
    this.inFlight += this.filled;
    this.posted = true;
    this.port.postMessage(new Uint8Array(buffer, 0, this.filled), [buffer]);
    this.chunk = null;
    this.filled = 0;
  }

  private send(message: UploadMessage): void {
    this.port.postMessage(message);
  }

  private unblock(): void {
    const blocked = this.blocked;
    this.blocked = null;
    blocked?.();
  }
}
