import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

/** bench/dist/bench/children/empty-child.js: an IPC channel that answers, nothing else. */
const EMPTY = path.resolve(import.meta.dirname, '../children/empty-child.js');

/**
 * The baseline of a plugin process: an empty Node child with an IPC channel, forked as the backend
 * forks a plugin (same stdio, same serialization). Resolves once its first message arrives.
 */
export async function startEmptyChild(): Promise<ChildProcess> {
  const child = fork(EMPTY, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  await once(child, 'message');
  return child;
}

/** SIGKILL, as the backend ends a plugin process after its teardown; resolves once it is gone. */
export async function stopEmptyChild(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
