import {
  addedPermissions,
  isOkoError,
  type AvailableUpdate,
  type AvailableUpdates,
  type PermissionSet,
  type PluginPermissions,
} from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { InstalledPlugin } from '../../store-integration/plugin-registry-port.js';
import type { VersionSettingsStore } from '../version-settings.js';
import { newestAvailable } from './select.js';
import type { VersionSource } from './store-versions.js';

export interface AvailableUpdatesOptions {
  plugins: { list(): Promise<InstalledPlugin[]> };
  settings: VersionSettingsStore;
  source: VersionSource;
  /** What each plugin holds now (GrantService). */
  grants: { heldBy(id: string, declared: PluginPermissions | undefined): Promise<PermissionSet> };
  log: Pick<FastifyBaseLogger, 'warn'>;
}

/**
 * GET /store/updates: installed external plugins the store has a newer version of (a prerelease
 * only over a prerelease, as the policies), whatever their pin and policy: the count beside the
 * Plugins tab is what an admin could apply, not what the check will.
 */
export async function availableUpdates(options: AvailableUpdatesOptions): Promise<AvailableUpdates> {
  const installed = (await options.plugins.list()).filter((plugin) => plugin.scope === 'external');
  let down: string | undefined;
  const found = await Promise.all(
    installed.map((plugin) =>
      updateOf(options, plugin).catch((error: unknown) => {
        if (isOkoError(error) && error.code === 'STORE_UNAVAILABLE') down ??= error.message;
        else if (!isOkoError(error) || error.code !== 'PLUGIN_NOT_FOUND') {
          options.log.warn(
            { plugin: plugin.id, reason: error instanceof Error ? error.message : String(error) },
            'update count: plugin skipped',
          );
        }
        return undefined;
      }),
    ),
  );
  if (down !== undefined) return { available: false, reason: down, updates: [] };
  return { available: true, updates: found.filter((update): update is AvailableUpdate => update !== undefined) };
}

async function updateOf(options: AvailableUpdatesOptions, plugin: InstalledPlugin): Promise<AvailableUpdate | undefined> {
  const versions = await options.source.versionsOf(plugin.id);
  const newest = newestAvailable(
    plugin.version,
    versions.map((entry) => entry.version),
  );
  const entry = versions.find((candidate) => candidate.version === newest);
  if (!entry) return undefined;
  const [declared, held, settings] = await Promise.all([
    entry.permissions ?? options.source.permissionsOf(entry.id),
    options.grants.heldBy(plugin.id, plugin.manifest?.permissions),
    options.settings.get(plugin.id),
  ]);
  return {
    name: plugin.id,
    installed_version: plugin.version,
    version: entry.version,
    id: entry.id,
    pinned: settings.pinned,
    update_policy: settings.update_policy,
    added_permissions: addedPermissions(held, declared),
  };
}
