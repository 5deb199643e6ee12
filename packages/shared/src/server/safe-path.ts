import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isSafeRelativePath } from '../manifest.js';

/**
 * The real path of an existing file `relative` inside `root`, or null: when it does not exist, or
 * when it would leave `root` by `..`, an absolute path or a symlink pointing outside. For serving
 * files a request names, so it never throws. (The archive rules' resolveInside is the opposite
 * contract: a pure path check that throws, for entries that must not be written outside.)
 */
export async function findFileInside(root: string, relative: string): Promise<string | null> {
  if (!isSafeRelativePath(relative)) return null;
  const candidate = path.resolve(root, relative);
  if (!candidate.startsWith(root + path.sep)) return null;
  try {
    // Symlinks are followed on both sides, so a root that is itself reached by a symlink still works.
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    return realFile.startsWith(realRoot + path.sep) ? realFile : null;
  } catch {
    return null;
  }
}
