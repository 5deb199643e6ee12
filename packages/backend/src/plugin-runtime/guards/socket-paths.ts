import { append, StringCharCodeAt, StringSlice } from './primordials.js';

/*
 * Unix socket paths: allowed only inside the policy's socket folders. The check normalises the path
 * itself (no `path.resolve`, which reads the replaceable `process.cwd`), refuses NUL (Linux abstract
 * sockets live outside the file system) and paths longer than a sockaddr_un holds (libuv would cut
 * them to a different path), then checks the real path of the folder it lands in, so a symbolic
 * link inside a socket folder cannot lead outside it. The guard passes the normalised path on, so
 * what was checked is what is connected to.
 */

/** sun_path is 108 bytes with its NUL; stay below every platform's limit. */
const MAX_SOCKET_PATH_BYTES = 103;

export interface SocketPaths {
  /** The absolute, normalised path when `path` may be used, else the refusal message. */
  check(path: unknown): { path: string } | { message: string };
}

export interface SocketPathDeps {
  realpath: (path: string) => string;
  byteLength: (text: string) => number;
}

/** `/a/b/../c/./d` -> `/a/c/d`; null when not absolute or when it holds a NUL. */
export function normalizeAbsolute(path: string): string | null {
  if (path.length === 0 || StringCharCodeAt(path, 0) !== 47) return null;
  const parts: string[] = [];
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? StringCharCodeAt(path, i) : 47;
    if (c === 0) return null;
    if (c !== 47) continue;
    const part = StringSlice(path, start, i);
    start = i + 1;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0) parts.length -= 1;
      continue;
    }
    append(parts, part);
  }
  let out = '';
  for (let i = 0; i < parts.length; i++) out += '/' + parts[i]!;
  return out === '' ? '/' : out;
}

const inside = (path: string, dir: string) => dir === '/' || path === dir || StringSlice(path, 0, dir.length + 1) === dir + '/';

export function compileSocketPaths(socketDirs: readonly string[], deps: SocketPathDeps): SocketPaths {
  const dirs: string[] = [];
  for (let i = 0; i < socketDirs.length; i++) {
    const dir = normalizeAbsolute(String(socketDirs[i]));
    if (!dir) throw new Error(`installGuards: socketDirs must be absolute paths, got ${JSON.stringify(socketDirs[i])}`);
    append(dirs, dir);
    try {
      append(dirs, deps.realpath(dir)); // a folder given through a link is also reached by its real path
    } catch {
      // not created yet: its own path is all there is to compare
    }
  }
  const within = (path: string) => {
    for (let i = 0; i < dirs.length; i++) if (inside(path, dirs[i]!)) return true;
    return false;
  };
  /** The real path; the path itself when it does not exist; null on any other failure. */
  const realOrSelf = (path: string): string | null => {
    try {
      return deps.realpath(path);
    } catch (error) {
      // Does not exist (yet): connect fails, bind creates exactly this path. Anything else (a
      // RangeError from a stack the caller nearly exhausted, a permission error) is not proof.
      const code = (error as { code?: unknown } | null)?.code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? path : null;
    }
  };
  return {
    check(path) {
      const shown = typeof path === 'string' ? JSON.stringify(path) : 'a non-string path';
      const refuse = (why: string) => ({
        message: `Unix socket ${shown} is not granted: ${why} (a plugin's sockets live in its own folder or data folder)`,
      });
      if (typeof path !== 'string') return refuse('not a path');
      const normal = normalizeAbsolute(path);
      if (!normal) return refuse('not an absolute file-system path');
      if (deps.byteLength(normal) > MAX_SOCKET_PATH_BYTES) return refuse(`longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
      if (!within(normal)) return refuse('outside the plugin folders');
      let cut = normal.length - 1;
      while (cut > 0 && StringCharCodeAt(normal, cut) !== 47) cut--;
      const parent = realOrSelf(cut === 0 ? '/' : StringSlice(normal, 0, cut));
      const real = realOrSelf(normal);
      if (parent === null || real === null) return refuse('its real path could not be checked');
      if (!within(parent) || !within(real)) return refuse('it leads outside the plugin folders through a link');
      return { path: normal };
    },
  };
}
