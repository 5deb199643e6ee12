import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { excludedFromDev } from './files.js';

export interface FolderWatcher {
  close(): void;
}

type OnChange = (relativePath: string | null) => void;

/**
 * Calls `onChange` for every change under `dir` that `dev` would send (node_modules/, .git/, test/
 * and editors' temp files are not worth a reload). It may report one save several times, or
 * without a file name; the caller debounces and compares content, so an extra call costs a look.
 */
export function watchFolder(dir: string, onChange: OnChange, onError: (error: Error) => void): FolderWatcher {
  return process.platform === 'linux' ? watchFolders(dir, onChange) : watchRecursive(dir, onChange, onError);
}

/** macOS (FSEvents) and Windows watch a tree natively, by path. */
function watchRecursive(dir: string, onChange: OnChange, onError: (error: Error) => void): FolderWatcher {
  const watcher = watch(dir, { recursive: true }, (_event, filename) => {
    if (filename === null) return onChange(null);
    const rel = filename.toString().split(path.sep).join('/');
    if (!excludedFromDev(rel)) onChange(rel);
  });
  watcher.on('error', onError);
  return { close: () => watcher.close() };
}

/**
 * Linux: one inotify watch per folder, never per file. Node 20's `recursive: true` watches each
 * file's inode, so after an editor saves by writing a new file and renaming it over the old one
 * (vim, sed -i, many IDEs) it hears nothing more about that file; a folder's watch reports its
 * entries by name, whatever their inode. It also keeps node_modules/ (thousands of folders once
 * typescript is installed) out of the watch. A new folder is watched when its creation is heard;
 * files written into it before that are still sent, since every look lists the whole folder.
 */
function watchFolders(dir: string, onChange: OnChange): FolderWatcher {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const drop = (rel: string) => {
    for (const [key, watcher] of watchers) {
      if (key === rel || key.startsWith(`${rel}/`)) {
        watcher.close();
        watchers.delete(key);
      }
    }
  };

  const add = (rel: string) => {
    if (closed || watchers.has(rel)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(path.join(dir, rel), (_event, name) => heard(rel, name));
    } catch {
      return; // gone before it could be watched: its parent's event already said so
    }
    // A watched folder that is deleted ends its watch (and may report an error): forget it.
    watcher.on('error', () => drop(rel));
    watchers.set(rel, watcher);
    void readdir(path.join(dir, rel), { withFileTypes: true })
      .then((entries) => {
        for (const entry of entries) {
          const child = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.isDirectory() && !excludedFromDev(child)) add(child);
        }
      })
      .catch(() => {});
  };

  const heard = (rel: string, name: string | null) => {
    if (name === null) return onChange(null);
    const child = rel ? `${rel}/${name}` : name;
    if (excludedFromDev(child)) return;
    onChange(child);
    void stat(path.join(dir, child)).then(
      (info) => info.isDirectory() && add(child),
      () => drop(child),
    );
  };

  add('');
  return {
    close: () => {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
