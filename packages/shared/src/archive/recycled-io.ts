import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';

/**
 * Read buffers that come back once their bytes are written out. Packing a 100 MB file through a
 * fresh buffer per read piles up 100 MB of external memory, which V8 answers with full garbage
 * collections that pause every request of the store (issue 17). A buffer is reused only after
 * every byte pushed from it reached the writer (`written`): a stage between the two that copies,
 * splits or keeps data only keeps that buffer out of reuse, it can never see it overwritten.
 */
export class BufferRecycler {
  private readonly free: Buffer[] = [];
  private readonly lent = new Map<ArrayBufferLike, { buffer: Buffer; bytes: number }>();

  constructor(private readonly size: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** `bytes` of `buffer` went down the pipeline. */
  lend(buffer: Buffer, bytes: number): void {
    this.lent.set(buffer.buffer, { buffer, bytes });
  }

  /** A buffer taken but not lent (nothing was read into it). */
  giveBack(buffer: Buffer): void {
    this.free.push(buffer);
  }

  /** `chunk` is on disk: its buffer is free once all its lent bytes are. */
  written(chunk: Buffer): void {
    const loan = this.lent.get(chunk.buffer);
    if (!loan) return;
    loan.bytes -= chunk.length;
    if (loan.bytes > 0) return;
    this.lent.delete(chunk.buffer);
    this.free.push(loan.buffer);
  }
}

/**
 * The construct and destroy of a stream over one file: opened (with `flags`) before the first read
 * or write, closed however the stream ends. `handle` is set once construct has called back.
 */
function fileHandleOf(file: string, flags: string) {
  const own: { handle: FileHandle | null } = { handle: null };
  return {
    own,
    construct(callback: (error?: Error | null) => void) {
      open(file, flags).then((opened) => {
        own.handle = opened;
        callback();
      }, callback);
    },
    destroy(error: Error | null, callback: (error?: Error | null) => void) {
      const closing = own.handle?.close() ?? Promise.resolve();
      own.handle = null;
      closing.then(
        () => callback(error),
        () => callback(error),
      );
    },
  };
}

/** A file's bytes, read into the recycler's buffers. */
export function recycledReadStream(file: string, recycler: BufferRecycler): Readable {
  const { own, construct, destroy } = fileHandleOf(file, 'r');
  return new Readable({
    construct,
    destroy,
    read() {
      const buffer = recycler.take();
      own.handle!.read(buffer, 0, buffer.length, null).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            recycler.giveBack(buffer);
            this.push(null);
            return;
          }
          recycler.lend(buffer, bytesRead);
          this.push(buffer.subarray(0, bytesRead));
        },
        (error: Error) => this.destroy(error),
      );
    },
  });
}

/** A new file (`wx`, as createWriteStream with flags 'wx') that tells the recycler what it has written. */
export function recyclingFileWriter(file: string, recycler: BufferRecycler): Writable {
  const { own, construct, destroy } = fileHandleOf(file, 'wx');
  return new Writable({
    construct,
    destroy,
    write(chunk: Buffer, _encoding, callback) {
      writeAll(own.handle!, chunk).then(() => {
        recycler.written(chunk);
        callback();
      }, callback);
    },
    final(callback) {
      const closing = own.handle!.close();
      own.handle = null;
      closing.then(() => callback(), callback);
    },
  });
}

export async function writeAll(out: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length;) at += (await out.write(chunk, at, chunk.length - at)).bytesWritten;
}
