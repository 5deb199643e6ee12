import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isSafeRelativePath } from '@oko/shared';

/**
 * Resolves `relative` inside `root`, or returns null when it would leave it: by `..`, an absolute
 * path, or a symlink pointing outside. Returns null as well when the file does not exist.
 */
export async function resolveInside(root: string, relative: string): Promise<string | null> {
  if (!isSafeRelativePath(relative)) return null;
  const candidate = path.resolve(root, relative);
  if (!candidate.startsWith(root + path.sep)) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    return realFile.startsWith(realRoot + path.sep) ? realFile : null;
  } catch {
    return null;
  }
}
