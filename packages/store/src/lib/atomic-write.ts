import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

let counter = 0;

/**
 * Replaces `file` with `content` so that a crash at any moment leaves either the old or the new
 * content, never a mix: write a temp file beside it, fsync it, rename over the target, then fsync
 * the folder (the rename is atomic at once but only durable once the folder entry is on disk).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(path.dirname(file));
}

export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
