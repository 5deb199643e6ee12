// Entry of the store's archive worker threads (archive-work.ts starts them through piscina).
import { runArchiveTask, type ArchiveTask } from './archive-tasks.js';

export default function archiveWorker(task: ArchiveTask) {
  return runArchiveTask(task);
}
