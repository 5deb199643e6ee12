import { watch, type FSWatcher } from 'node:fs';
import { excludedFromDev } from './files.js';

export interface FolderWatcher {
  close(): void;
}

/**
 * Calls `onChange` for every change under `dir` that `dev` would send (node_modules/, .git/, test/
 * and editors' temp files are not worth a reload). Recursive fs.watch: inotify on Linux (Node 20
 * adds the watches for new subfolders itself), FSEvents on macOS, ReadDirectoryChangesW on Windows.
 * It may report one save several times, or without a file name; the caller debounces and compares
 * content, so an extra call costs nothing but a look.
 */
export function watchFolder(dir: string, onChange: (relativePath: string | null) => void, onError: (error: Error) => void): FolderWatcher {
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, filename) => {
    if (filename === null) return onChange(null);
    const rel = filename.toString().split('\\').join('/');
    if (!excludedFromDev(rel)) onChange(rel);
  });
  watcher.on('error', onError);
  return { close: () => watcher.close() };
}
