import { randomBytes } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createError, DEV_MAX_BYTES, DEV_MAX_FILES } from '@oko/shared';
import { resolveInside } from '@oko/shared/archive';
import { DEV_DATA_FOLDER } from '../plugin-manager/host-launch.js';
import type { CheckedPush } from './push-files.js';

/** The last pushed tree of each plugin, valid or not: the next push applies its changes to it. */
const WORK_FOLDER = '.work';
const STAGING_PREFIX = '.staging-';
const TRASH_PREFIX = '.trash-';

/**
 * OKO_DEV_PLUGINS_DIR as the development plugins use it. `<name>/` is the running version (the
 * plugin manager scans it, scope dev); `.work/<name>/` the last pushed tree, so a refused push's
 * changes are not lost and the next push builds on them; `.data/<name>/` the plugin's data folder.
 * Dot-folders are invisible to the scan, and every visible change is one rename.
 */
export class DevFolder {
  constructor(readonly dir: string) {}

  livePath(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * Everything in the folder is from a previous run of the backend (a session never outlives it):
   * removed. Returns the plugin names it held, running or only pushed (a backend stopped before a
   * first push reached its folder leaves just the pushed tree, or the data folder), so their
   * grants can go too.
   */
  async clear(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const entries = await readdir(this.dir);
    const inside = async (folder: string) => readdir(path.join(this.dir, folder)).catch(() => [] as string[]);
    const names = new Set([
      ...entries.filter((name) => !name.startsWith('.')),
      ...(await inside(WORK_FOLDER)),
      ...(await inside(DEV_DATA_FOLDER)),
    ]);
    await Promise.all(entries.map((name) => rm(path.join(this.dir, name), { recursive: true, force: true })));
    return [...names].filter((name) => !name.startsWith('.'));
  }

  /**
   * A private copy of what `name` was last sent (empty with `replace`), with `push` applied:
   * removals first, so a file may become a folder in one push. The caller validates it, then
   * keep()s it or throws it away.
   */
  async stage(name: string, push: CheckedPush, replace: boolean): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const staging = await this.freshFolder(name);
    try {
      const base = path.join(this.dir, WORK_FOLDER, name);
      // verbatimSymlinks: a link could only come from someone else's hand; it is copied as a link, never followed.
      if (!replace && (await exists(base))) await cp(base, staging, { recursive: true, verbatimSymlinks: true });
      for (const relative of push.removed) await removeInside(staging, relative);
      for (const file of push.files) await writeInside(staging, file.path, file.bytes, file.executable);
      await assertWithinBounds(staging);
      return staging;
    } catch (error) {
      await this.discard(staging);
      throw error;
    }
  }

  /** `staging` becomes the last pushed tree of `name`. */
  async keep(name: string, staging: string): Promise<void> {
    await mkdir(path.join(this.dir, WORK_FOLDER), { recursive: true });
    await this.replaceWith(path.join(this.dir, WORK_FOLDER, name), staging);
  }

  /** The last pushed tree becomes the running version's folder, in one rename. */
  async deploy(name: string): Promise<void> {
    const next = await this.freshFolder(name);
    try {
      await cp(path.join(this.dir, WORK_FOLDER, name), next, { recursive: true, verbatimSymlinks: true });
      await this.replaceWith(this.livePath(name), next);
    } catch (error) {
      await this.discard(next);
      throw error;
    }
  }

  /** The plugin, its pushed tree and its data folder. */
  async remove(name: string): Promise<void> {
    const gone = [this.livePath(name), path.join(this.dir, WORK_FOLDER, name), path.join(this.dir, DEV_DATA_FOLDER, name)];
    const trashes = await Promise.all(gone.map((dir) => this.moveAside(dir)));
    await Promise.all(trashes.map((trash) => trash && this.discard(trash)));
  }

  async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** A private working folder, made readable like any plugin folder (mkdtemp makes it 0700): the plugin user must read it. */
  private async freshFolder(name: string): Promise<string> {
    const dir = await mkdtemp(path.join(this.dir, `${STAGING_PREFIX}${name}-`));
    await chmod(dir, 0o755);
    return dir;
  }

  /** `target` replaced by `source` (both in this folder): the old one is renamed away first, then deleted. */
  private async replaceWith(target: string, source: string): Promise<void> {
    const trash = await this.moveAside(target);
    await rename(source, target);
    if (trash) await this.discard(trash);
  }

  private async moveAside(target: string): Promise<string | undefined> {
    const trash = path.join(this.dir, `${TRASH_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await rename(target, trash);
      return trash;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Writes one pushed file below `root`. Every folder on the way is created here or was created by
 * an earlier push, never a link (stage() copies links as links and this refuses to pass one), so
 * the file lands inside `root`.
 */
async function writeInside(root: string, relative: string, bytes: Buffer, executable: boolean): Promise<void> {
  const target = resolveInside(root, relative);
  await throughFolders(root, relative, true);
  const existing = await lstat(target).catch(() => null);
  // A folder (or link) of that name gives way to the file: the author's tree has the file now.
  if (existing && !existing.isFile()) await rm(target, { recursive: true, force: true });
  const mode = executable ? 0o755 : 0o644;
  await writeFile(target, bytes, { mode });
  await chmod(target, mode);
}

/**
 * Walks the folders above `relative` inside `root`: false when one is missing (`create` makes it).
 * One that is a file or a link is refused, so nothing is written or removed through a link.
 */
async function throughFolders(root: string, relative: string, create: boolean): Promise<boolean> {
  let dir = root;
  for (const part of relative.split('/').slice(0, -1)) {
    dir = path.join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (!info && !create) return false;
    if (!info) await mkdir(dir);
    else if (!info.isDirectory()) {
      const above = JSON.stringify(path.relative(root, dir));
      throw createError('VALIDATION_FAILED', `${JSON.stringify(relative)} lies below ${above}, which is not a folder`);
    }
  }
  return true;
}

async function removeInside(root: string, relative: string): Promise<void> {
  if (await throughFolders(root, relative, false)) await rm(resolveInside(root, relative), { recursive: true, force: true });
}

/** The plugin as a whole stays within the bounds of one push, however many pushes built it. */
async function assertWithinBounds(root: string): Promise<void> {
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        files += 1;
        bytes += (await lstat(full)).size;
      }
      if (files > DEV_MAX_FILES || bytes > DEV_MAX_BYTES) {
        throw createError(
          'PAYLOAD_TOO_LARGE',
          `A development plugin holds at most ${DEV_MAX_FILES} files and ${DEV_MAX_BYTES} bytes (DEV_MAX_FILES, DEV_MAX_BYTES); remove files or send replace: true`,
        );
      }
    }
  };
  await walk(root);
}
