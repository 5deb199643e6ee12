import type { Endpoints } from './endpoints.js';
import type { SocketPaths } from './socket-paths.js';

/** What the public entry points (net, dgram, dns wrappers) share; built once by installGuards. */
export interface EntryContext {
  endpoints: Endpoints;
  sockets: SocketPaths;
  /** dns.lookup as Node made it, taken before the guards wrapped it: its answers are genuine. */
  genuineLookup: (hostname: string, options: object, callback: (...args: unknown[]) => void) => unknown;
  /** Records that `name`, resolved by genuineLookup for this socket, gave this IP (see index.ts). */
  approve(owner: object, ipKey: string, name: string): void;
  /** The names recorded by approve for this socket and IP, or null. */
  namesFor(owner: unknown, ipKey: string): readonly string[] | null;
  /** The real working directory (process.cwd as Node made it), to make relative socket paths absolute. */
  cwd: () => string;
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => void;
}

/** A port as net and dgram accept it (number or numeric string), or -1. */
export function portOf(value: unknown): number {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : -1;
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : -1;
}

/** A socket path made absolute against the real working directory (the guards check absolute paths). */
export function absolutePath(ctx: EntryContext, path: unknown): unknown {
  return typeof path === 'string' && path.length > 0 && path[0] !== '/' ? `${ctx.cwd()}/${path}` : path;
}
