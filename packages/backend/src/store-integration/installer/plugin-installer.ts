import {
  createError,
  isNewerVersion,
  isValidPluginName,
  sharedPathName,
  type InstallAnswer,
  type InstalledPluginInfo,
  type PermissionSet,
  type PluginPermissions,
  type UiConfig,
  type UninstallAnswer,
  type UpdateAnswer,
} from '@oko/shared';
import type { InstallSignaturePort } from '../../trust/plugin-trust.js';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import type { InstalledPlugin, PluginRegistryPort } from '../plugin-registry-port.js';
import { mapFsError } from './fs-errors.js';
import { InstallLocks } from './install-locks.js';
import { findInstalledByStoreId } from './install-record.js';
import { PluginsFolder, type InstallerLog } from './plugins-folder.js';
import { withStagedPackage } from './staged-package.js';

/** What the installer needs of the grants (GrantService satisfies it; README "Permissions"). */
export interface InstallGrantPort {
  /** The recorded grant of `id`, or `declared` (its installed manifest's) when none was recorded. */
  heldBy(id: string, declared: PluginPermissions | undefined): Promise<PermissionSet>;
  /** Throws PERMISSIONS_CHANGED naming what `requested` adds to `held`, unless `accepted`. */
  assertNoWidening(id: string, held: PluginPermissions, requested: PluginPermissions | undefined, accepted: boolean): void;
  grant(id: string, permissions: PluginPermissions | undefined): Promise<PermissionSet>;
  revoke(id: string): Promise<void>;
}

export interface PluginInstallerOptions {
  pluginsDir: string;
  client: StoreClient;
  plugins: PluginRegistryPort;
  grants: InstallGrantPort;
  /** Checks a package's signature against the policy before it is placed, and keeps its file record. */
  signatures?: InstallSignaturePort;
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
  async update(ref: string, acceptPermissions = false): Promise<UpdateAnswer> {
    return this.withCatalogEntry(ref, (entry) => this.updateEntry(entry, acceptPermissions));
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

  /** Calling install is consent: the package's declared permissions become its grant. */
  private async installEntry(entry: CatalogEntry): Promise<InstallAnswer> {
    await this.assertNotInstalled(entry.name);
    await this.assertNoPathClash(entry.name, entry.ui);
    const { signatures } = this.options;
    const { plugin, permissions, admission } = await withStagedPackage(this.folder, this.options.client, entry, (pluginDir, files) =>
      // Under the plugin's lock, so no load/unload/rescan of the same id sees a half-made state.
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again: a folder may have appeared (by hand) while we downloaded, and the package is what counts.
        await this.assertNotInstalled(entry.name);
        await this.assertNoPathClash(entry.name, files.ui);
        // Refused before anything is recorded (INVALID_SIGNATURE, SIGNATURE_REQUIRED).
        const admission = await signatures?.admit(pluginDir, files.manifest);
        // Recorded first: a failed write leaves plugins/ untouched, and the plugin never appears without its grant or file record.
        const permissions = await this.options.grants.grant(entry.name, files.manifest.permissions);
        try {
          if (admission) await signatures!.keep(entry.name, admission);
          await this.folder.place(pluginDir, entry.name);
        } catch (error) {
          await this.options.grants.revoke(entry.name).catch(() => undefined);
          await signatures?.forget(entry.name).catch(() => undefined);
          throw error;
        }
        await this.options.plugins.rescan();
        return { plugin: await this.options.plugins.get(entry.name), permissions, admission };
      }),
    );
    const notes = admission ? { signature: admission.signature, warning: admission.warning } : {};
    return {
      status: 'installed',
      plugin: resultView(plugin, entry),
      permissions,
      ...notes,
      message: `Plugin ${entry.name} installed successfully`,
    };
  }

  /**
   * Refused before anything is written: a plugin whose name or API prefix is another installed
   * plugin's would keep both from loading (host-launch.ts refuses a shared path name).
   */
  private async assertNoPathClash(name: string, ui: UiConfig | null | undefined): Promise<void> {
    const installed = await this.options.plugins.list();
    const clash = sharedPathName(
      name,
      ui,
      installed.map((plugin) => ({ name: plugin.id, ui: plugin.ui ? { api_prefix: plugin.ui.api_prefix } : null })),
    );
    if (!clash) return;
    throw createError(
      'PLUGIN_NAME_TAKEN',
      `Plugin '${name}' cannot be installed: '${clash.name}' is the name or API prefix of installed plugin '${clash.other}', ` +
        'and two plugins may not share one (/api/v1/plugins/{name or api_prefix}); uninstall one of them',
      { details: { path_name: clash.name, installed_plugin: clash.other } },
    );
  }

  /** What the installed plugin holds, after refusing a widening nobody accepted. */
  private async assertPermissions(
    name: string,
    installed: InstalledPlugin,
    requested: PluginPermissions | undefined,
    accepted: boolean,
  ): Promise<PermissionSet> {
    const held = await this.options.grants.heldBy(name, installed.manifest?.permissions);
    this.options.grants.assertNoWidening(name, held, requested, accepted);
    return held;
  }

  private async updateEntry(entry: CatalogEntry, accepted: boolean): Promise<UpdateAnswer> {
    // Checked on the catalog's word first, so a refusal costs no download, then on the package itself.
    await this.assertPermissions(entry.name, await this.assertUpdatable(entry), entry.permissions ?? entry.manifest?.permissions, accepted);
    await this.assertNoPathClash(entry.name, entry.ui);
    return withStagedPackage(this.folder, this.options.client, entry, (pluginDir, files) =>
      this.options.plugins.withPluginLock(entry.name, async () => {
        // Checked again under the lock: the plugin may have been removed or replaced while we downloaded.
        const previous = await this.assertUpdatable(entry);
        const held = await this.assertPermissions(entry.name, previous, files.manifest.permissions, accepted);
        await this.assertNoPathClash(entry.name, files.ui);
        const admission = await this.options.signatures?.admit(pluginDir, files.manifest);
        // Recorded before anything changes, so the new code starts with exactly the new set (an update
        // asking for less narrows it); a running process keeps what it started with until unloaded.
        const permissions = await this.options.grants.grant(entry.name, files.manifest.permissions);
        // The lock is re-entrant: unload and load run inside it, so nothing can load the old code in between.
        const wasActive = previous.state === 'active' || previous.state === 'loading';
        const trash = this.folder.trashPath(entry.name);
        try {
          if (wasActive) await this.options.plugins.unload(entry.name);
          await this.folder.swap(entry.name, pluginDir, trash);
        } catch (error) {
          // The old version is back in place with what it held: run it again if it was running, then report the failure.
          await this.options.grants.grant(entry.name, held).catch(() => undefined);
          if (wasActive) await this.options.plugins.load(entry.name).catch(() => undefined);
          throw error;
        }
        // The new files' record replaces the old one before anything can load them.
        if (admission) await this.options.signatures!.keep(entry.name, admission);
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
          permissions,
          ...(admission ? { signature: admission.signature, warning: admission.warning } : {}),
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
      await this.options.grants.revoke(name);
      await this.options.signatures?.forget(name);
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
  private async assertUpdatable(entry: CatalogEntry): Promise<InstalledPlugin> {
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
