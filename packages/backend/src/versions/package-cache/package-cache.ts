import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isNewerVersion, isValidPluginName } from '@oko/shared';
import { syncFolder, writeFileAtomic, type AtomicWriteOptions } from '@oko/shared/server';
import { Compile } from 'typebox/compile';
import { StoreEntryAnswer, type StoreEntryAnswer as CatalogEntry } from '../../store-integration/client/store-answers.js';
import type { CachedVersionsPort } from '../version-settings.js';

/** How many packages are kept per plugin: the installed one and the two installed before it. */
export const KEPT_PACKAGES = 3;
const HISTORY_FILE = 'history.json';
const entryShape = Compile(StoreEntryAnswer);

/**
 * A catalog id is the store's word and becomes a file name here: only plain ids (no `/`, `.` or
 * `..`, so never a path out of the plugin's folder) and never `history`, whose `.json` is the install order.
 */
function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,100}$/.test(id) && id !== 'history';
}

/** One install of a cached package, oldest first in the history. */
export interface CacheHistoryItem {
  id: string;
  version: string;
  installed_at: string;
}

/** A kept package whose bytes were just checked against its entry's SHA-256. */
export interface CachedPackage {
  entry: CatalogEntry;
  zipFile: string;
}

export interface PackageCacheLog {
  warn: (obj: object, msg: string) => void;
}

/**
 * The packages the backend installed, kept in OKO_DATA_DIR/packages/<name>/ (0700): `<id>.zip`
 * as downloaded, `<id>.json` the catalog entry the store gave for it, and `history.json` the
 * install order. Rollback and offline (re)install read from here; every read re-hashes the ZIP,
 * and one that no longer matches is dropped, never handed out. Uninstall leaves it alone.
 */
export class PackageCache implements CachedVersionsPort {
  readonly dir: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    dataDir: string,
    private readonly log?: PackageCacheLog,
  ) {
    this.dir = path.join(path.resolve(dataDir), 'packages');
  }

  /** Keeps `zipFile` (already verified against `entry`) as the newest install of `entry.name`. */
  keep(entry: CatalogEntry, zipFile: string): Promise<void> {
    return this.serialised(entry.name, async () => this.record(entry, await this.take(entry, zipFile)));
  }

  /**
   * keep() for a caller that answers before the cache is done: resolves (or rejects) once the
   * cache holds its own link or copy of `zipFile`, which the caller may then delete. The entry, the
   * history and the fsync follow; every later read or change of `entry.name` here waits for them,
   * and so does settled(). A failure there is logged: it costs a later rollback, not this install.
   */
  hold(entry: CatalogEntry, zipFile: string): Promise<void> {
    let held = false;
    let taken!: () => void;
    const holding = new Promise<void>((resolve) => (taken = resolve));
    const done = this.serialised(entry.name, async () => {
      const temp = await this.take(entry, zipFile);
      held = true;
      taken();
      await this.record(entry, temp);
    });
    done.catch((error: unknown) => {
      if (held) this.log?.warn({ err: error, plugin: entry.name }, 'could not keep the package in the package cache');
    });
    return Promise.race([holding, done]);
  }

  /** Resolves once every keep and drop started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  /** The cache's own link (else copy) of `zipFile`, under a temporary name in the plugin's folder. */
  private async take(entry: CatalogEntry, zipFile: string): Promise<string> {
    const dir = await this.folderOf(entry.name, true);
    if (!dir) throw new Error(`not a plugin name: '${entry.name}'`);
    if (!isSafeId(entry.id)) throw new Error(`not a catalog id the cache keeps: '${entry.id}'`);
    const temp = path.join(dir, `.${entry.id}.zip.tmp`);
    await rm(temp, { force: true });
    // A hard link costs nothing when staging and data share a file system; else a copy.
    await link(zipFile, temp).catch(() => copyFile(zipFile, temp));
    return temp;
  }

  /** Puts the taken `temp` in place as `entry`'s package and records the install. */
  private async record(entry: CatalogEntry, temp: string): Promise<void> {
    const dir = path.dirname(temp);
    await rename(temp, path.join(dir, `${entry.id}.zip`));
    // Every change lands in this one folder, made durable by the one fsync at the end: a crash
    // before it may lose some of them, and history() only lists items whose two files are there.
    const unsynced = { syncFolder: false };
    await writeFileAtomic(path.join(dir, `${entry.id}.json`), `${JSON.stringify(entry, null, 2)}\n`, unsynced);
    const history = (await this.readHistory(entry.name)).filter((item) => item.id !== entry.id);
    history.push({ id: entry.id, version: entry.version, installed_at: new Date().toISOString() });
    const kept = history.slice(-KEPT_PACKAGES);
    await this.writeHistory(entry.name, kept, unsynced);
    await this.removeAllBut(entry.name, new Set(kept.map((item) => item.id)));
    await syncFolder(dir);
  }

  /** The install order, oldest first, of packages whose files are still there (not yet verified). */
  async history(name: string): Promise<CacheHistoryItem[]> {
    // A keep still under way (hold) is part of what was installed.
    await this.queues.get(name);
    return this.listed(name);
  }

  private async listed(name: string): Promise<CacheHistoryItem[]> {
    const history = await this.readHistory(name);
    const dir = await this.folderOf(name, false);
    if (!dir) return [];
    const files = new Set(await readdir(dir).catch(() => [] as string[]));
    return history.filter((item) => files.has(`${item.id}.zip`) && files.has(`${item.id}.json`));
  }

  /** Versions kept for `name`, the latest install first. */
  async cachedVersions(name: string): Promise<string[]> {
    return (await this.history(name)).map((item) => item.version).reverse();
  }

  /** The catalog entries of the kept packages (not re-hashed: for listings only). */
  async entries(name: string): Promise<CatalogEntry[]> {
    const entries: CatalogEntry[] = [];
    for (const item of await this.history(name)) {
      const entry = await this.readEntry(name, item.id);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** The kept package `id` of `name`, verified; a package that fails the check is dropped. */
  get(name: string, id: string): Promise<CachedPackage | undefined> {
    return this.serialised(name, async () => {
      if (!isSafeId(id) || !(await this.listed(name)).some((item) => item.id === id)) return undefined;
      const entry = await this.readEntry(name, id);
      const zipFile = path.join(this.dir, name, `${id}.zip`);
      if (entry && entry.id === id && entry.name === name && (await sha256Of(zipFile)) === entry.sha256.toLowerCase()) {
        return { entry, zipFile };
      }
      this.log?.warn({ plugin: name, id }, 'cached package dropped: its SHA-256 no longer matches its catalog entry');
      await this.drop(name, id);
      return undefined;
    });
  }

  /** The kept package with catalog id `id`, whichever plugin it belongs to. */
  async findById(id: string): Promise<CachedPackage | undefined> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!isValidPluginName(name)) continue;
      if ((await this.history(name)).some((item) => item.id === id)) return this.get(name, id);
    }
    return undefined;
  }

  /** The highest kept release of `name` that passes the check (a prerelease only when no release is kept), as the store's name does. */
  async newest(name: string): Promise<CachedPackage | undefined> {
    const prerelease = (version: string) => version.includes('-');
    const items = (await this.history(name)).sort(
      (a, b) =>
        Number(prerelease(a.version)) - Number(prerelease(b.version)) ||
        (isNewerVersion(b.version, a.version) ? 1 : isNewerVersion(a.version, b.version) ? -1 : 0),
    );
    for (const item of items) {
      const found = await this.get(name, item.id);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * What a rollback from `installedVersion` returns to: the package installed before it (by
   * install order), skipping any that fail the check. Undefined when none is kept.
   */
  async installedBefore(name: string, installedVersion: string): Promise<CachedPackage | undefined> {
    const history = await this.history(name);
    const index = history.map((item) => item.version).lastIndexOf(installedVersion);
    // Installed without the cache (by hand, or before it existed): the latest kept other version.
    const earlier = index === -1 ? history.filter((item) => item.version !== installedVersion) : history.slice(0, index);
    for (const item of earlier.reverse()) {
      const found = await this.get(name, item.id);
      if (found) return found;
    }
    return undefined;
  }

  /** The kept package of `name` at `version`, verified. */
  async byVersion(name: string, version: string): Promise<CachedPackage | undefined> {
    const item = (await this.history(name)).reverse().find((candidate) => candidate.version === version);
    return item ? this.get(name, item.id) : undefined;
  }

  private async drop(name: string, id: string): Promise<void> {
    await this.writeHistory(
      name,
      (await this.readHistory(name)).filter((item) => item.id !== id),
    );
    await rm(path.join(this.dir, name, `${id}.zip`), { force: true });
    await rm(path.join(this.dir, name, `${id}.json`), { force: true });
  }

  private async removeAllBut(name: string, keep: ReadonlySet<string>): Promise<void> {
    const dir = path.join(this.dir, name);
    for (const file of await readdir(dir)) {
      const id = /^([^.]+)\.(zip|json)$/.exec(file)?.[1];
      if (id && file !== HISTORY_FILE && !keep.has(id)) await rm(path.join(dir, file), { force: true });
    }
  }

  private async folderOf(name: string, create: boolean): Promise<string | undefined> {
    if (!isValidPluginName(name)) return undefined;
    const dir = path.join(this.dir, name);
    if (create) {
      // Private to the backend: plugin processes run as another user and must not swap a package.
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
    return dir;
  }

  private async readHistory(name: string): Promise<CacheHistoryItem[]> {
    if (!isValidPluginName(name)) return [];
    try {
      const parsed = JSON.parse(await readFile(path.join(this.dir, name, HISTORY_FILE), 'utf8')) as unknown;
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(
        (item): item is CacheHistoryItem => typeof item?.id === 'string' && isSafeId(item.id) && typeof item.version === 'string',
      );
    } catch {
      return [];
    }
  }

  private async writeHistory(name: string, history: CacheHistoryItem[], options?: AtomicWriteOptions): Promise<void> {
    await writeFileAtomic(path.join(this.dir, name, HISTORY_FILE), `${JSON.stringify(history, null, 2)}\n`, options);
  }

  private async readEntry(name: string, id: string): Promise<CatalogEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(path.join(this.dir, name, `${id}.json`), 'utf8')) as unknown;
      // Edited or damaged on disk: read as gone, like a ZIP that fails its hash, never as a TypeError later.
      return entryShape.Check(entry) ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  /** One change at a time per plugin, so a keep and a drop never interleave on history.json. */
  private serialised<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    this.queues.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }
}

async function sha256Of(file: string): Promise<string | undefined> {
  try {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}
