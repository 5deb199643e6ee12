import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MAX_TEXT_CHARS } from '../../plugin-runtime/limits.js';
import type { PluginUser } from './plugin-user.js';

/** How a plugin's process is started: what host-launch.ts computed from the grant and the config. */
export interface HostSpawn {
  /** main.js of the plugin runtime. */
  entry: string;
  /** Node flags: the permission model, the allow-lists, the heap limit (node-flags.ts). */
  execArgv: string[];
  /** The whole environment of the process: the grant's env values, nothing of the backend's. */
  env: Record<string, string>;
  cwd: string;
  /** Set when the backend runs as root. */
  user?: PluginUser;
}

export function forkHost(spawn: HostSpawn): ChildProcess {
  return fork(spawn.entry, [], {
    execArgv: spawn.execArgv,
    env: spawn.env,
    cwd: spawn.cwd,
    // Never inherited: what the plugin prints is read here and logged as its lines, bounded.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Structured clone, as a worker's postMessage was: the protocol's messages keep their types.
    serialization: 'advanced',
    ...(spawn.user ? { uid: spawn.user.uid, gid: spawn.user.gid } : {}),
  });
}

/**
 * Calls `onLine` for every line `stream` carries. A line longer than the protocol's text bound
 * is cut there, so output without newlines never piles up in the backend.
 */
export function eachLine(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1 || pending.length >= MAX_TEXT_CHARS) {
      const end = newline === -1 || newline > MAX_TEXT_CHARS ? MAX_TEXT_CHARS : newline;
      onLine(pending.slice(0, end));
      pending = pending.slice(end === newline ? end + 1 : end);
    }
  });
  stream.on('end', () => pending && onLine(pending));
}
