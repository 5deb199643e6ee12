// The archive thread's entry (ArchiveThread starts it): runs one task per message, answers with
// the result or the error, and never dies of a task's failure.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { ARCHIVE_TASKS, type ArchiveTask } from './tasks.js';
import { sendError } from './thread-errors.js';

interface Request {
  id: number;
  task: ArchiveTask;
  args: unknown[];
}

/**
 * The thread's nice value. On two cores its hashing and copying took CPU from the main thread,
 * whose every pause is a pause of every request; a lower priority lets requests go first. Linux
 * gives each thread a nice value of its own (setpriority on the thread id); elsewhere this is skipped.
 * Measured (contention and upload-readers benches, three runs each, nice 10 against 0): list p99
 * during an upload 4.6-6.8x idle against 6.7-17x, the upload under 200 readers 4.1-4.9x against
 * 6.1-20x: the main thread answering sooner also serves the upload's socket sooner.
 */
const ARCHIVE_THREAD_NICE = 10;

function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, ARCHIVE_THREAD_NICE);
  } catch {
    // Not Linux, or not allowed: the thread runs at the process's priority.
  }
}

lowerPriority();
const port = parentPort!;
port.on('message', ({ id, task, args }: Request) => {
  const run = ARCHIVE_TASKS[task] as (...args: unknown[]) => Promise<unknown>;
  run(...args).then(
    (result) => port.postMessage({ id, result }),
    (error: unknown) => port.postMessage({ id, error: sendError(error) }),
  );
});
