import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createError, isNewerVersion, isValidPluginName } from '@oko/shared';
import { extractPluginArchive } from '@oko/shared/archive';
import { syncFolder } from '@oko/shared/server';
import { mapFsError } from './fs-errors.js';
import { InstallLocks } from './install-locks.js';
import { findInstalledByStoreId, writeInstallRecord } from './install-record.js';
import { STAGING_PREFIX, TRASH_PREFIX } from './leftovers.js';
import type { InstalledPluginView, PluginRegistryPort } from './plugin-registry-port.js';
import type { StoreClient } from './store-client.js';
import type { StoreCatalogEntry } from './store-types.js';
import { downloadVerified } from './verified-download.js';

export interface InstallResult {
  status: 'installed';
  plugin: Pick<InstalledPluginView, 'id' | 'name' | 'version' | 'state' | 'scope'>;
  message: string;
}

export interface UninstallResult {
  status: 'uninstalled';
  plugin: { id: string; name: string; version: string };
  message: string;
}

export interface UpdateResult {
  status: 'updated';
  plugin: InstallResult['plugin'];
  previous_version: string;
  message: string;
}

export interface PluginInstallerOptions {
  pluginsDir: string;
  client: StoreClient;
  plugins: PluginRegistryPort;
  log?: { warn: (obj: object, msg: string) => void };
}

/**
 * Installs store packages into the plugins directory and removes them again. Every install works
 * in a private `.staging-*` folder inside plugins/ and becomes visible with one rename, so a
 * failure or a crash at any step leaves plugins/ as it was.
 */
export class PluginInstaller {
  private readonly locks = new InstallLocks();
  private readonly pluginsDir: string;

  constructor(private readonly options: PluginInstallerOptions) {
    this.pluginsDir = path.resolve(options.pluginsDir);
  }

  /** `ref` is a catalog id or a plugin name; the store resolves both. */
  async install(ref: string): Promise<InstallResult> {
    return this.withCatalogEntry(ref, (entry) => this.installEntry(entry));
  }

  /**
   * Replaces an installed plugin with a newer catalog version. `ref` is the newer entry's catalog
   * id, or the plugin name (the store then answers its newest version).
   */
  async update(ref: string): Promise<UpdateResult> {
    return this.withCatalogEntry(ref, (entry) => this.updateEntry(entry));
  }

  /** Claims `ref`, reads its catalog entry, then claims the entry's id and name for `fn`. */
  private async withCatalogEntry<T>(ref: string, fn: (entry: StoreCatalogEntry) => Promise<T>): Promise<T> {
    const releaseRef = this.locks.claim([`ref:${ref}`], ref);
    try {
      const entry = await this.options.client.getPlugin(ref);
      if (!isValidPluginName(entry.name)) {
        throw createError('INVALID_PACKAGE', `The store lists a plugin with an invalid name '${entry.name}'`);
      }
      const release = this.locks.claim([`id:${entry.id}`, `name:${entry.name}`], entry.name);
      try {
        return await fn(entry);
      } finally {
        release();
      }
    } finally {
      releaseRef();
    }
  }

  /** `ref` is the installed plugin's name or the catalog id it was installed from. */
  async uninstall(ref: string): Promise<UninstallResult> {
    const releaseRef = this.locks.claim([`ref:${ref}`], ref);
    try {
      const name = await this.resolveInstalledName(ref);
      const release = this.locks.claim([`name:${name}`], name);
      try {
        return await this.removeInstalled(name);
      } finally {
        release();
      }
    } finally {
      releaseRef();
    }
  }

  private async installEntry(entry: StoreCatalogEntry): Promise<InstallResult> {
    await this.assertNotInstalled(entry.name);
    const plugin = await this.withStagedPackage(entry, (pluginDir) =>
      // Under the plugin's lock, so no load/unload/rescan of the same id sees a half-made state.
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again: a folder may have appeared (by hand) while we downloaded.
        await this.assertNotInstalled(entry.name);
        await rename(pluginDir, this.target(entry.name));
        await syncFolder(this.pluginsDir);
        await this.options.plugins.rescan();
        return this.options.plugins.get(entry.name);
      }),
    );
    return { status: 'installed', plugin: resultView(plugin, entry), message: `Plugin ${entry.name} installed successfully` };
  }

  private async updateEntry(entry: StoreCatalogEntry): Promise<UpdateResult> {
    await this.assertUpdatable(entry);
    return this.withStagedPackage(entry, (pluginDir) =>
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again under the lock: the plugin may have been removed or replaced while we downloaded.
        const previous = await this.assertUpdatable(entry);
        // The lock is re-entrant: unload and load run inside it, so nothing can load the old code in between.
        const wasActive = previous.state === 'active' || previous.state === 'loading';
        if (wasActive) await this.options.plugins.unload(entry.name);
        const trash = this.trashPath(entry.name);
        try {
          await this.swap(entry.name, pluginDir, trash);
        } catch (error) {
          // The old version is back in place: run it again if it was running, then report the failure.
          if (wasActive) await this.options.plugins.load(entry.name).catch(() => undefined);
          throw error;
        }
        await syncFolder(this.pluginsDir);
        await this.options.plugins.rescan();
        let loadFailure: string | undefined;
        if (wasActive) {
          // A new version that fails to load stays installed, in state error with its reason.
          loadFailure = await this.options.plugins.load(entry.name).then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
        }
        await this.removeQuietly(trash);
        const plugin = await this.options.plugins.get(entry.name);
        const updated = `Plugin ${entry.name} updated from ${previous.version} to ${entry.version}`;
        return {
          status: 'updated' as const,
          plugin: resultView(plugin, entry),
          previous_version: previous.version,
          message: loadFailure ? `${updated}, but the new version failed to load: ${loadFailure}` : updated,
        };
      }),
    );
  }

  /**
   * Downloads, verifies and extracts `entry` into a fresh `.staging-*` folder, writes its install
   * record and hands the plugin folder to `place`. The staging folder is removed whatever happens.
   */
  private async withStagedPackage<T>(entry: StoreCatalogEntry, place: (pluginDir: string) => Promise<T>): Promise<T> {
    const staging = await this.createStaging();
    try {
      const zipFile = path.join(staging, 'package.zip');
      await downloadVerified(this.options.client, entry, zipFile);
      const extractDir = path.join(staging, 'extracted');
      await mkdir(extractDir);
      const { pluginDir, manifest } = await extractPluginArchive(zipFile, extractDir);
      if (manifest.name !== entry.name) {
        throw createError('INVALID_PACKAGE', `The package's manifest names '${manifest.name}' but the catalog entry is '${entry.name}'`);
      }
      await writeInstallRecord(pluginDir, entry);
      return await place(pluginDir);
    } catch (error) {
      throw mapFsError(error, this.pluginsDir);
    } finally {
      await this.removeQuietly(staging);
    }
  }

  private async removeInstalled(name: string): Promise<UninstallResult> {
    return this.options.plugins.withPluginLock(name, async () => {
      const plugin = await this.options.plugins.get(name);
      if (plugin?.scope === 'builtin') {
        throw createError('ILLEGAL_TRANSITION', `Plugin '${name}' is built into the backend and cannot be uninstalled`);
      }
      // The lock is re-entrant: unload runs inside it, so nothing can load the plugin in between.
      if (plugin?.state === 'active' || plugin?.state === 'loading') await this.options.plugins.unload(name);
      const trash = this.trashPath(name);
      try {
        // Renamed first so the plugin disappears in one step; the slow delete happens out of sight.
        await rename(this.target(name), trash);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled(name);
        throw mapFsError(error, this.pluginsDir);
      }
      await this.options.plugins.rescan();
      await this.removeQuietly(trash);
      return {
        status: 'uninstalled' as const,
        plugin: { id: name, name, version: plugin?.version ?? '' },
        message: `Plugin ${name} uninstalled successfully`,
      };
    });
  }

  private async resolveInstalledName(ref: string): Promise<string> {
    if (isValidPluginName(ref) && ((await this.options.plugins.get(ref)) || (await exists(this.target(ref))))) return ref;
    const byRecord = await findInstalledByStoreId(this.pluginsDir, ref);
    if (byRecord) return byRecord;
    throw notInstalled(ref);
  }

  private async assertNotInstalled(name: string): Promise<void> {
    const plugin = await this.options.plugins.get(name);
    if (plugin || (await exists(this.target(name)))) {
      const version = plugin ? ` (version ${plugin.version}, ${plugin.scope})` : '';
      throw createError('ALREADY_INSTALLED', `Plugin '${name}' is already installed${version}; uninstall it first`);
    }
  }

  /** Old folder to `trash`, staged folder into place; on failure the old folder is put back. */
  private async swap(name: string, pluginDir: string, trash: string): Promise<void> {
    await rename(this.target(name), trash);
    try {
      await rename(pluginDir, this.target(name));
    } catch (error) {
      await rename(trash, this.target(name));
      throw error;
    }
  }

  /** The installed plugin `entry` may replace: installed, not builtin, and older than the entry. */
  private async assertUpdatable(entry: StoreCatalogEntry): Promise<InstalledPluginView> {
    const plugin = await this.options.plugins.get(entry.name);
    if (!plugin) throw notInstalled(entry.name);
    if (plugin.scope === 'builtin') {
      throw createError('ILLEGAL_TRANSITION', `Plugin '${entry.name}' is built into the backend and cannot be updated from the store`);
    }
    if (!isNewerVersion(entry.version, plugin.version)) {
      throw createError(
        'NO_NEWER_VERSION',
        `Plugin '${entry.name}' is installed at version ${plugin.version}; the store's version ${entry.version} is not newer`,
      );
    }
    return plugin;
  }

  private trashPath(name: string): string {
    return path.join(this.pluginsDir, `${TRASH_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
  }

  private async createStaging(): Promise<string> {
    try {
      await mkdir(this.pluginsDir, { recursive: true });
      return await mkdtemp(path.join(this.pluginsDir, STAGING_PREFIX));
    } catch (error) {
      throw mapFsError(error, this.pluginsDir);
    }
  }

  private target(name: string): string {
    return path.join(this.pluginsDir, name);
  }

  private async removeQuietly(dir: string): Promise<void> {
    // A folder we cannot delete now is removed at the next startup; it must not mask the real result.
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      this.options.log?.warn({ err: error, dir }, 'could not remove installer working folder');
    });
  }
}

function resultView(plugin: InstalledPluginView | undefined, entry: StoreCatalogEntry): InstallResult['plugin'] {
  return {
    id: plugin?.id ?? entry.name,
    name: plugin?.name ?? entry.name,
    version: plugin?.version ?? entry.version,
    state: plugin?.state ?? 'discovered',
    scope: plugin?.scope ?? 'external',
  };
}

function notInstalled(ref: string) {
  return createError('NOT_INSTALLED', `No installed plugin '${ref}' (by name or store id)`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}
