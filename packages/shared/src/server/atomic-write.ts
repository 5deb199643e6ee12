import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /**
   * false: leave the folder's fsync to the caller, who writes several files into one folder and
   * syncs it once at the end (until then a crash may keep the old content, never a torn file).
   */
  syncFolder?: boolean;
  /** Permissions of the new file (default 0o644); set from the start, so a secret is never readable by others, not even briefly. */
  mode?: number;
}

/**
 * Replaces `file` with `content` so that a crash at any moment leaves either the old or the new
 * content, never a torn file: write a temp file beside it, fsync it, rename over the target, then
 * fsync the folder. The temp name is random so concurrent writers never share one.
 */
export async function writeFileAtomic(file: string, content: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', options.mode ?? 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (options.syncFolder !== false) await syncFolder(path.dirname(file));
}

/** A rename (or a new entry) is atomic at once but only durable once its folder is fsynced. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
