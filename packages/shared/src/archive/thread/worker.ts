// The archive thread's entry (ArchiveThread starts it): runs one task per message, answers with
// the result or the error, and never dies of a task's failure.
import { parentPort } from 'node:worker_threads';
import { ARCHIVE_TASKS, type ArchiveTask } from './tasks.js';
import { sendError } from './thread-errors.js';

interface Request {
  id: number;
  task: ArchiveTask;
  args: unknown[];
}

const port = parentPort!;
port.on('message', ({ id, task, args }: Request) => {
  const run = ARCHIVE_TASKS[task] as (...args: unknown[]) => Promise<unknown>;
  run(...args).then(
    (result) => port.postMessage({ id, result }),
    (error: unknown) => port.postMessage({ id, error: sendError(error) }),
  );
});
