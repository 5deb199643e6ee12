import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type Transferable } from 'node:worker_threads';
import type { ArchiveLimits } from '../limits.js';
import type { ReceivedUpload } from '../receive/receive-upload.js';
import { UploadWriter } from '../receive/upload-writer.js';
import type { ArchiveTask, ArchiveTasks } from './tasks.js';
import { receiveError, type SentError } from './thread-errors.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** A thread and the tasks sent to it. */
interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The `code` of the error that the work of a thread that died fails with. */
export const ARCHIVE_THREAD_GONE = 'ERR_ARCHIVE_THREAD_GONE';

/**
 * With a code: an upload's pipeline hands its writer's error to the request's file stream too, and
 * the upload route takes an error without a code there for busboy's (a malformed body, 400); a
 * thread that died mid-upload is the store's failure, a 500.
 */
function threadGone(message: string, cause?: Error): Error {
  return Object.assign(new Error(message, cause && { cause }), { code: ARCHIVE_THREAD_GONE });
}

interface Answer {
  id: number;
  result?: unknown;
  error?: SentError;
}

/**
 * The worker's script: beside this module once built. Run from TypeScript sources (the tests),
 * the built one in dist/, which `npm test` builds first, as for every process a test starts.
 */
function workerScript(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../../dist/archive/thread/worker.js', import.meta.url);
}

/**
 * Extraction and packing on a thread of their own. Each of them is a chain of many small file
 * operations, and on the main thread every step waits a whole event-loop turn; a store answering
 * 200 catalog readers has turns of tens of milliseconds, so a 100 MB upload's archive work took
 * seconds there (issue 17). The thread has its own loop: its steps do not queue behind requests.
 * Started by start() or the first task, one per service; it keeps the process alive only while it
 * works. A thread that dies fails what it was running, and the next task starts a new one.
 */
export class ArchiveThread {
  private running: Running | null = null;
  private nextId = 0;

  run<K extends ArchiveTask>(task: K, ...args: Parameters<ArchiveTasks[K]>): Promise<Awaited<ReturnType<ArchiveTasks[K]>>> {
    return this.send(task, args, []);
  }

  /**
   * An upload received with the thread: pipe it into `writer`, which writes it to zipPath while the
   * thread reads it close behind, hashes it and extracts it (receiveUpload); `result` is the
   * extracted plugin and the upload's SHA-256, or why it failed.
   */
  receive(
    zipPath: string,
    destDir: string,
    limits: ArchiveLimits,
    highWaterMark: number,
  ): { writer: UploadWriter; result: Promise<ReceivedUpload> } {
    const { port1, port2 } = new MessageChannel();
    const result = this.send('receiveUpload', [port2, zipPath, destDir, limits], [port2]);
    return { writer: new UploadWriter(zipPath, port1, result, highWaterMark), result };
  }

  private send<K extends ArchiveTask>(
    task: K,
    args: Parameters<ArchiveTasks[K]>,
    transfer: Transferable[],
  ): Promise<Awaited<ReturnType<ArchiveTasks[K]>>> {
    const { worker, pending } = (this.running ??= this.spawn());
    const id = this.nextId++;
    // Kept alive only while it has work: a CLI that is done must be able to exit.
    if (pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, task, args }, transfer);
    });
  }

  /** Starts the thread now instead of at the first task (a service's start-up, so no upload waits for it). */
  start(): void {
    this.running ??= this.spawn();
  }

  /** Stops the thread; what it was running fails. */
  async close(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.worker.terminate();
  }

  private spawn(): Running {
    // A small young generation: the thread's own objects are few (its data is in Buffers), and
    // V8's default sizing made it ~45 MB of RSS instead of ~20.
    const worker = new Worker(workerScript(), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // Each thread's own: a dead thread's 'exit' comes after its 'error', and a task sent in between
    // went to its successor, which must not fail with it.
    const running: Running = { worker, pending: new Map() };
    const { pending } = running;
    worker.unref();
    worker.on('message', ({ id, result, error }: Answer) => {
      const waiting = pending.get(id);
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      if (error) waiting?.reject(receiveError(error));
      else waiting?.resolve(result);
    });
    const stopped = (why: Error) => {
      if (this.running === running) this.running = null;
      for (const waiting of pending.values()) waiting.reject(why);
      pending.clear();
    };
    worker.on('error', (error) => stopped(threadGone(`the archive thread failed: ${error.message}`, error)));
    worker.on('exit', (code) => stopped(threadGone(`the archive thread stopped (exit code ${code})`)));
    return running;
  }
}
