import type { PluginPermissions, PermissionSet } from '@oko/shared';
import type { InstallSignaturePort } from '../../trust/plugin-trust.js';
import type { PackageCache } from '../../versions/package-cache/package-cache.js';
import type { DependencyGuardPort } from '../../versions/ports.js';
import type { VersionSettingsStore } from '../../versions/version-settings.js';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';
import type { PluginsFolder, InstallerLog } from './plugins-folder.js';

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
  /** Keeps every installed package (versions/package-cache): rollback and installs with the store down. */
  cache?: PackageCache;
  /** Where last_update and pending_update are written (versions/version-settings.ts). */
  settings?: VersionSettingsStore;
  /** Asked before an explicit rollback (the dependencies part implements it). */
  dependencyGuard?: DependencyGuardPort;
  /** OKO_UPDATE_HEALTH_WINDOW_S: how long an updated active plugin is watched; 0 = not watched. */
  healthWindowS?: number;
  log?: InstallerLog & { info?: (obj: object, msg: string) => void };
}

/** The options and the plugins folder, as every part of the installer reads them. */
export interface InstallerContext extends PluginInstallerOptions {
  folder: PluginsFolder;
}
