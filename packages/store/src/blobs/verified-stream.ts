import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface Expected {
  sha256: string;
  size: number;
}

/** What a blob turned out to be, when it is not what was published. */
export interface Found {
  bytes: number;
  sha256: string | null;
}

/**
 * Passes a blob's bytes through while hashing them, and holds the last chunk back until the whole
 * blob is hashed: a blob that is longer, shorter or other than published ends in an error before
 * its last byte goes out, so a client reading to Content-Length never gets a complete wrong file.
 */
export class VerifiedStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private held: Buffer | null = null;

  constructor(
    private readonly expected: Expected,
    private readonly onMismatch: (found: Found) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.expected.size) return done(this.onMismatch({ bytes: this.bytes, sha256: null }));
    this.hash.update(chunk);
    if (this.held) this.push(this.held);
    this.held = chunk;
    done();
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.hash.digest('hex');
    if (this.bytes !== this.expected.size || sha256 !== this.expected.sha256) {
      return done(this.onMismatch({ bytes: this.bytes, sha256 }));
    }
    if (this.held) this.push(this.held);
    done();
  }
}
