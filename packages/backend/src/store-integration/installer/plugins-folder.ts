import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from '@oko/shared/server';
import { mapFsError } from './fs-errors.js';
import { STAGING_PREFIX, TRASH_PREFIX } from './leftovers.js';

export interface InstallerLog {
  warn: (obj: object, msg: string) => void;
}

/**
 * The plugins directory as the installer changes it. Work happens in dot-folders inside it
 * (discovery skips them), so every visible change is one rename on one file system: a plugin
 * appears or disappears in one step, and a crash at any point leaves only dot-folders behind.
 */
export class PluginsFolder {
  readonly dir: string;

  constructor(
    dir: string,
    private readonly log?: InstallerLog,
  ) {
    this.dir = path.resolve(dir);
  }

  /** Where plugin `name` lives once installed. */
  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  /** Anything at `name`'s place, even a broken symlink or a file: an install must not replace it. */
  async has(name: string): Promise<boolean> {
    try {
      await lstat(this.pathOf(name));
      return true;
    } catch {
      return false;
    }
  }

  /** A fresh private `.staging-*` folder. */
  async createStaging(): Promise<string> {
    try {
      await mkdir(this.dir, { recursive: true });
      return await mkdtemp(path.join(this.dir, STAGING_PREFIX));
    } catch (error) {
      throw mapFsError(error, this.dir);
    }
  }

  /** A fresh `.trash-*` name for a folder on its way out. */
  trashPath(name: string): string {
    return path.join(this.dir, `${TRASH_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
  }

  /** Moves a staged plugin folder into place as `name`, durably. */
  async place(pluginDir: string, name: string): Promise<void> {
    await rename(pluginDir, this.pathOf(name));
    await this.sync();
  }

  /** Takes `name` out of sight in one step; the slow delete of `trash` can follow. */
  async moveAside(name: string, trash: string): Promise<void> {
    await rename(this.pathOf(name), trash);
  }

  /** Old folder to `trash`, staged folder into place; on failure the old folder is put back. */
  async swap(name: string, pluginDir: string, trash: string): Promise<void> {
    await rename(this.pathOf(name), trash);
    try {
      await rename(pluginDir, this.pathOf(name));
    } catch (error) {
      await rename(trash, this.pathOf(name));
      throw error;
    }
  }

  /** rename is atomic but not durable until the folder holding it is fsynced. */
  async sync(): Promise<void> {
    await syncFolder(this.dir);
  }

  async removeQuietly(dir: string): Promise<void> {
    // A folder we cannot delete now is removed at the next startup; it must not mask the real result.
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      this.log?.warn({ err: error, dir }, 'could not remove installer working folder');
    });
  }
}
