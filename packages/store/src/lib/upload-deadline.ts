import type { Readable } from 'node:stream';
import { createError, type OkoError } from '@oko/shared';

/**
 * The total time an upload may take to arrive. The idle timeout alone lets a client that sends one
 * byte just often enough hold an upload folder, a file descriptor and a connection for ever.
 * It covers the wait for the file part (a dripped preamble) and the file itself; it stops once the
 * file has arrived, so unpacking and checking are not counted.
 */
export class UploadDeadline {
  private readonly timer: NodeJS.Timeout;
  private expired: OkoError | null = null;
  private onExpire: ((error: OkoError) => void) | null = null;

  constructor(private readonly ms: number) {
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  private expire(): void {
    this.expired = createError('UPLOAD_TIMEOUT', `The upload did not finish within the store's limit of ${this.ms} ms and was dropped`);
    this.onExpire?.(this.expired);
  }

  /** Resolves as `work` does, or rejects with 408 when the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(this.expired);
    return new Promise<T>((resolve, reject) => {
      this.onExpire = reject;
      // Only its own hook is cleared: guard() may already have set the next one.
      const settled = () => {
        if (this.onExpire === reject) this.onExpire = null;
      };
      work.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  }

  /** Fails `stream` with 408 when the deadline passes before it ends; the deadline stops at its end. */
  guard(stream: Readable): Readable {
    if (this.expired) stream.destroy(this.expired);
    this.onExpire = (error) => stream.destroy(error);
    stream.once('end', () => this.stop());
    stream.once('close', () => this.stop());
    return stream;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.onExpire = null;
  }
}
