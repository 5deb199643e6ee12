import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { excludedFromPackage, listPackageFiles } from '@oko/shared/archive';

/**
 * Editors' short-lived files: vim's swap files and its `4913` write probe, emacs' lock and backup
 * files. They exist only while a file is open or being saved, so sending them would only reload
 * the plugin for nothing.
 */
function editorTempFile(name: string): boolean {
  return /^\..*\.sw[a-px]$/.test(name) || name === '4913' || name.startsWith('.#') || name.endsWith('~');
}

/**
 * Whether `dev` leaves a `/`-relative path out: what `oko-plugin pack` leaves out (the shared
 * package rule, judged on every folder above the path too, since a watcher reports files deep
 * inside node_modules/ without their folder), plus editors' temp files.
 */
export function excludedFromDev(relativePath: string): boolean {
  const parts = relativePath.split('/');
  for (let i = 1; i <= parts.length; i++) if (excludedFromPackage(parts.slice(0, i).join('/'))) return true;
  return editorTempFile(parts[parts.length - 1]!);
}

/** One file as last read: its content hash, and the stat fields that say it was not touched since. */
export interface FileEntry {
  sha256: string;
  size: number;
  mtimeMs: number;
  ino: number;
}
/** The files `dev` sends, by `/`-relative path. */
export type Snapshot = Map<string, FileEntry>;

/**
 * Every file `dev` would send, with its hash. A file whose size, mtime and inode match `previous`
 * keeps its hash without being read again, so a save costs one read of the saved file, not of the
 * whole plugin. Refuses links and special files, as `pack` does.
 */
export async function snapshotFolder(dir: string, previous: Snapshot = new Map()): Promise<Snapshot> {
  const files = await listPackageFiles(dir, { exclude: (rel) => excludedFromDev(rel) });
  const next: Snapshot = new Map();
  for (const rel of files) {
    const info = await stat(path.join(dir, rel)).catch(() => null);
    // Deleted between the listing and now: the next event brings the folder as it is then.
    if (!info) continue;
    const known = previous.get(rel);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino) {
      next.set(rel, known);
      continue;
    }
    const content = await readFile(path.join(dir, rel)).catch(() => null);
    if (!content) continue;
    next.set(rel, {
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length,
      mtimeMs: info.mtimeMs,
      ino: info.ino,
    });
  }
  return next;
}

/** What a push must carry to turn `before` into `after`: files added or whose content changed, and files gone. */
export interface SnapshotDiff {
  changed: string[];
  removed: string[];
}

export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const changed = [...after].filter(([rel, entry]) => before.get(rel)?.sha256 !== entry.sha256).map(([rel]) => rel);
  const removed = [...before.keys()].filter((rel) => !after.has(rel));
  return { changed: changed.sort(), removed: removed.sort() };
}

export const isEmptyDiff = (diff: SnapshotDiff) => diff.changed.length === 0 && diff.removed.length === 0;
