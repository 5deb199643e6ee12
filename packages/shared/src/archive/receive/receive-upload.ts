import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { MessagePort } from 'node:worker_threads';
import { emptyFolder, StreamedMismatch } from '../extract.js';
import { extractPluginArchive, type ExtractedPlugin } from '../index.js';
import type { ArchiveLimits } from '../limits.js';
import { writeAll } from '../recycled-io.js';
import { StreamedEntries } from './streamed-entries.js';

/** What the sending side posts on an upload's port: chunks of the ZIP, then its end, or that it was abandoned. */
export type UploadMessage = Uint8Array | 'end' | 'abort';

export interface ReceivedUpload {
  plugin: ExtractedPlugin;
  /** Of the ZIP as it arrived: it may turn out to be its own package (PackCandidate). */
  sha256: string;
}

/**
 * The chunks an UploadSink posts, in order, until its end. Each is sent back once written, which
 * lets the sender post more and use its memory again. A port that closes or says 'abort'
 * before the end ends the upload with an error.
 */
async function* chunksFrom(port: MessagePort): AsyncGenerator<Buffer> {
  const queue: Array<UploadMessage | 'closed'> = [];
  let wake: (() => void) | null = null;
  const arrive = (message: UploadMessage | 'closed') => {
    queue.push(message);
    wake?.();
  };
  port.on('message', arrive);
  port.once('close', () => arrive('closed'));
  for (;;) {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const message = queue.shift()!;
    if (message === 'end') return;
    if (typeof message === 'string') throw new Error('the upload was abandoned before its end');
    yield Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    port.postMessage(message, [message.buffer as ArrayBuffer]);
  }
}

/**
 * Receives an upload on the archive thread: each chunk is written to zipPath, hashed, and followed
 * by StreamedEntries, which writes stored files into destDir as they arrive. At the end the
 * central directory, read from the file, confirms what was streamed while the rest is extracted;
 * what it does not confirm is extracted again from the file alone, so the outcome (files, errors)
 * is the one extractPluginArchive gives for the finished file.
 */
export async function receiveUpload(port: MessagePort, zipPath: string, destDir: string, limits: ArchiveLimits): Promise<ReceivedUpload> {
  const hash = createHash('sha256');
  const streamed = new StreamedEntries(destDir, limits);
  const chunks = chunksFrom(port);
  // Nothing is created before the first message: an upload cut off before a chunk was sent leaves
  // nothing behind, so its sender need not wait for this thread (UploadSink.sentAny).
  const first = await chunks.next().catch((error: unknown) => {
    port.close();
    throw error;
  });
  const out = await open(zipPath, 'wx').catch((error: unknown) => {
    port.close();
    throw error;
  });
  try {
    for (let next = first; !next.done; next = await chunks.next()) {
      hash.update(next.value);
      // Both settle before anything else happens to the file or the folder.
      const [written, followed] = await Promise.allSettled([writeAll(out, next.value), streamed.push(next.value)]);
      if (written.status === 'rejected') throw written.reason;
      if (followed.status === 'rejected') throw followed.reason;
    }
  } catch (error) {
    await streamed.finish();
    throw error;
  } finally {
    port.close();
    await out.close();
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
