import {
  createError,
  isNewerVersion,
  isValidPluginName,
  type InstallAnswer,
  type InstalledPluginInfo,
  type UninstallAnswer,
  type UpdateAnswer,
} from '@oko/shared';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';
import { mapFsError } from './fs-errors.js';
import { InstallLocks } from './install-locks.js';
import { findInstalledByStoreId } from './install-record.js';
import { PluginsFolder, type InstallerLog } from './plugins-folder.js';
import { withStagedPackage } from './staged-package.js';

export interface PluginInstallerOptions {
  pluginsDir: string;
  client: StoreClient;
  plugins: PluginRegistryPort;
  log?: InstallerLog;
}

/**
 * Installs store packages into the plugins directory and removes them again. Every install works
 * in a private `.staging-*` folder inside plugins/ and becomes visible with one rename, so a
 * failure or a crash at any step leaves plugins/ as it was.
 */
export class PluginInstaller {
  private readonly locks = new InstallLocks();
  private readonly folder: PluginsFolder;

  constructor(private readonly options: PluginInstallerOptions) {
    this.folder = new PluginsFolder(options.pluginsDir, options.log);
  }

  /** `ref` is a catalog id or a plugin name; the store resolves both. */
  async install(ref: string): Promise<InstallAnswer> {
    return this.withCatalogEntry(ref, (entry) => this.installEntry(entry));
  }

  /**
   * Replaces an installed plugin with a newer catalog version. `ref` is the newer entry's catalog
   * id, or the plugin name (the store then answers its newest version).
   */
  async update(ref: string): Promise<UpdateAnswer> {
    return this.withCatalogEntry(ref, (entry) => this.updateEntry(entry));
  }

  /** Claims `ref`, reads its catalog entry, then claims the entry's id and name for `fn`. */
  private async withCatalogEntry<T>(ref: string, fn: (entry: CatalogEntry) => Promise<T>): Promise<T> {
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
  async uninstall(ref: string): Promise<UninstallAnswer> {
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

  private async installEntry(entry: CatalogEntry): Promise<InstallAnswer> {
    await this.assertNotInstalled(entry.name);
    const plugin = await withStagedPackage(this.folder, this.options.client, entry, (pluginDir) =>
      // Under the plugin's lock, so no load/unload/rescan of the same id sees a half-made state.
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again: a folder may have appeared (by hand) while we downloaded.
        await this.assertNotInstalled(entry.name);
        await this.folder.place(pluginDir, entry.name);
        await this.options.plugins.rescan();
        return this.options.plugins.get(entry.name);
      }),
    );
    return { status: 'installed', plugin: resultView(plugin, entry), message: `Plugin ${entry.name} installed successfully` };
  }

  private async updateEntry(entry: CatalogEntry): Promise<UpdateAnswer> {
    await this.assertUpdatable(entry);
    return withStagedPackage(this.folder, this.options.client, entry, (pluginDir) =>
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again under the lock: the plugin may have been removed or replaced while we downloaded.
        const previous = await this.assertUpdatable(entry);
        // The lock is re-entrant: unload and load run inside it, so nothing can load the old code in between.
        const wasActive = previous.state === 'active' || previous.state === 'loading';
        if (wasActive) await this.options.plugins.unload(entry.name);
        const trash = this.folder.trashPath(entry.name);
        try {
          await this.folder.swap(entry.name, pluginDir, trash);
        } catch (error) {
          // The old version is back in place: run it again if it was running, then report the failure.
          if (wasActive) await this.options.plugins.load(entry.name).catch(() => undefined);
          throw error;
        }
        await this.folder.sync();
        await this.options.plugins.rescan();
        let loadFailure: string | undefined;
        if (wasActive) {
          // A new version that fails to load stays installed, in state error with its reason.
          loadFailure = await this.options.plugins.load(entry.name).then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
        }
        await this.folder.removeQuietly(trash);
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

  private async removeInstalled(name: string): Promise<UninstallAnswer> {
    return this.options.plugins.withPluginLock(name, async () => {
      const plugin = await this.options.plugins.get(name);
      if (plugin?.scope === 'builtin') {
        throw createError('ILLEGAL_TRANSITION', `Plugin '${name}' is built into the backend and cannot be uninstalled`);
      }
      // The lock is re-entrant: unload runs inside it, so nothing can load the plugin in between.
      if (plugin?.state === 'active' || plugin?.state === 'loading') await this.options.plugins.unload(name);
      const trash = this.folder.trashPath(name);
      try {
        // Renamed first so the plugin disappears in one step; the slow delete happens out of sight.
        await this.folder.moveAside(name, trash);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled(name);
        throw mapFsError(error, this.folder.dir);
      }
      await this.options.plugins.rescan();
      await this.folder.removeQuietly(trash);
      return {
        status: 'uninstalled' as const,
        plugin: { id: name, name, version: plugin?.version ?? '' },
        message: `Plugin ${name} uninstalled successfully`,
      };
    });
  }

  private async resolveInstalledName(ref: string): Promise<string> {
    if (isValidPluginName(ref) && ((await this.options.plugins.get(ref)) || (await this.folder.has(ref)))) return ref;
    const byRecord = await findInstalledByStoreId(this.folder.dir, ref);
    if (byRecord) return byRecord;
    throw notInstalled(ref);
  }

  private async assertNotInstalled(name: string): Promise<void> {
    const plugin = await this.options.plugins.get(name);
    if (plugin || (await this.folder.has(name))) {
      const version = plugin ? ` (version ${plugin.version}, ${plugin.scope})` : '';
      throw createError('ALREADY_INSTALLED', `Plugin '${name}' is already installed${version}; uninstall it first`);
    }
  }

  /** The installed plugin `entry` may replace: installed, not builtin, and older than the entry. */
  private async assertUpdatable(entry: CatalogEntry): Promise<InstalledPluginInfo> {
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
}

function resultView(plugin: InstalledPluginInfo | undefined, entry: CatalogEntry): InstalledPluginInfo {
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
