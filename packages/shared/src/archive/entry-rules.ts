import path from 'node:path';

/** Unix file types as stored in the high 16 bits of a ZIP entry's externalFileAttributes. */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Linux refuses longer names with ENAMETOOLONG; refusing them up front keeps that a 4xx, not a 500. */
const MAX_NAME_CHARS = 1024;
const MAX_COMPONENT_BYTES = 255;
/** No real plugin nests folders this deep; deeper names only cost work per entry. */
export const MAX_PATH_SEGMENTS = 32;

/**
 * Why an archive entry name is unsafe to write below the extraction folder, or null when it is fine.
 * Checked on the raw name (backslashes kept), before anything touches the disk.
 */
export function entryNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty entry name';
  if (name.length > MAX_NAME_CHARS) return 'entry name too long';
  // Control characters are exactly what this rule looks for.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'entry name contains a control character';
  if (name.includes('\\')) return 'entry name contains a backslash';
  if (name.startsWith('/')) return 'entry name is an absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'entry name starts with a drive letter';
  const parts = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  if (parts.length > MAX_PATH_SEGMENTS) return `entry name has more than ${MAX_PATH_SEGMENTS} path segments`;
  for (const part of parts) {
    if (part === '..') return 'entry name escapes the folder with ..';
    if (part === '' || part === '.') return 'entry name has an empty or "." path segment';
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) return 'entry name has a segment longer than 255 bytes';
  }
  return null;
}

export type EntryKind = 'file' | 'directory';

/** File or directory from name and unix mode; symlinks and devices/fifos/sockets are reported so they can be refused. */
export function entryKind(name: string, externalFileAttributes: number): EntryKind | 'symlink' | 'special' {
  const type = (externalFileAttributes >>> 16) & 0xffff & S_IFMT;
  if (type === S_IFLNK) return 'symlink';
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return 'special';
  return name.endsWith('/') || type === S_IFDIR ? 'directory' : 'file';
}

/** Key under which two names collide on a case-insensitive or normalizing file system. */
function collisionKey(name: string): string {
  return (name.endsWith('/') ? name.slice(0, -1) : name).normalize('NFC').toLowerCase();
}

/**
 * Tracks the names seen so far and refuses duplicates (also case-only, also file vs folder of the
 * same name), so a later entry can never overwrite or redirect an earlier one.
 */
export class EntryNameRegistry {
  private readonly explicit = new Set<string>();
  private readonly kinds = new Map<string, EntryKind>();
  /** Parent folders looked at so far: a measure of the work done, for tests. */
  parentLookups = 0;

  /** Records `name`; returns why it conflicts, or null. */
  add(name: string, kind: EntryKind): string | null {
    const key = collisionKey(name);
    if (this.explicit.has(key)) return 'duplicate entry name (names differing only in case count as duplicates)';
    const existing = this.kinds.get(key);
    if (existing && existing !== kind) return 'entry is both a file and a folder';
    // Walk up only to the first folder already known: its ancestors were recorded with it, so each
    // entry costs its new folders, not its whole depth (every ancestor for every entry was quadratic
    // for thousands of files deep down one path).
    for (let end = key.lastIndexOf('/'); end > 0; end = key.lastIndexOf('/', end - 1)) {
      this.parentLookups++;
      const parent = key.slice(0, end);
      const known = this.kinds.get(parent);
      if (known === 'file') return 'entry lies below a file of the same name';
      if (known === 'directory') break;
      this.kinds.set(parent, 'directory');
    }
    this.explicit.add(key);
    this.kinds.set(key, kind);
    return null;
  }
}

/** Resolves `relative` below `root` and throws unless the result stays strictly inside it. */
export function resolveInside(root: string, relative: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, relative);
  if (target !== base && !target.startsWith(base + path.sep)) {
    throw new Error(`path '${relative}' escapes '${base}'`);
  }
  return target;
}
