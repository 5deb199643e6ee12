import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { MessagePort } from 'node:worker_threads';
import { emptyFolder, StreamedMismatch } from '../extract.js';
import { extractPluginArchive, type ExtractedPlugin } from '../index.js';
import type { ArchiveLimits } from '../limits.js';
import { StreamedEntries } from './streamed-entries.js';
import type { UploadProgress } from './upload-writer.js';

/** Read size of the file as it grows: the thread reads what is there, up to this much at a time. */
const READ_BYTES = 1024 * 1024;

export interface ReceivedUpload {
  plugin: ExtractedPlugin;
  /** Of the ZIP as it arrived: it may turn out to be its own package (PackCandidate). */
  sha256: string;
}

/**
 * How far the UploadWriter has written the file, as its messages say: `next()` waits for more
 * than `from` bytes or for the end, and fails if the writer gave up or went away.
 */
class WriterProgress {
  private written = 0;
  private end: number | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(port: MessagePort) {
    port.on('message', (message: UploadProgress) => {
      if (message === 'abort') this.failure = new Error('the upload was abandoned before its end');
      else if ('end' in message) this.end = message.end;
      else this.written = Math.max(this.written, message.written);
      this.wake?.();
    });
    port.once('close', () => {
      this.failure ??= new Error('the upload was abandoned before its end');
      this.wake?.();
    });
  }

  /** Bytes known to be in the file beyond `from`, or null at its end. */
  async next(from: number): Promise<number | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const until = this.end ?? this.written;
      if (until > from) return until;
      if (this.end !== null) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Receives an upload on the archive thread while the main thread writes it to zipPath
 * (UploadWriter): reads the file close behind the writer, hashes it, and feeds StreamedEntries,
 * which writes stored files into destDir as they arrive. At the end the central directory, read
 * from the finished file, confirms what was streamed while the rest is extracted; what it does not
 * confirm is extracted again from the file alone, so the outcome (files, errors) is the one
 * extractPluginArchive gives for the finished file.
 */
export async function receiveUpload(port: MessagePort, zipPath: string, destDir: string, limits: ArchiveLimits): Promise<ReceivedUpload> {
  const progress = new WriterProgress(port);
  const hash = createHash('sha256');
  const streamed = new StreamedEntries(destDir, limits);
  try {
    // Nothing is opened or created before the writer has written something: an upload cut off
    // before that leaves nothing of this thread's behind, so its writer need not wait (UploadWriter.toldAny).
    let until = await progress.next(0);
    const input = await open(zipPath, 'r');
    const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
    let read = 0;
    try {
      for (; until !== null; until = await progress.next(read)) {
        while (read < until) {
          const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, until - read), read);
          if (bytesRead === 0) throw new Error(`the upload's file ends at ${read} bytes, before the ${until} written`);
          const chunk = buffer.subarray(0, bytesRead);
          hash.update(chunk);
          await streamed.push(chunk);
          read += bytesRead;
        }
      }
    } finally {
      await input.close();
    }
  } catch (error) {
    await streamed.finish();
    throw error;
  } finally {
    port.close();
  }
  const sha256 = hash.digest('hex');
  const seen = await streamed.finish();
  if (seen) {
    try {
      return { plugin: await extractPluginArchive(zipPath, destDir, limits, seen), sha256 };
    } catch (error) {
      if (!(error instanceof StreamedMismatch)) throw error;
    }
  }
  await emptyFolder(destDir);
  return { plugin: await extractPluginArchive(zipPath, destDir, limits), sha256 };
}
