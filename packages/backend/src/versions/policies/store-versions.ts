import { isOkoError, STORE_MAX_PER_PAGE, type PluginPermissions } from '@oko/shared';
import type { StoreClient } from '../../store-integration/client/store-client.js';

/** One published version as the policy check needs it. */
export interface PublishedVersion {
  id: string;
  version: string;
  /** Declared permissions; absent when the store's answer left them out (then read from the entry). */
  permissions?: PluginPermissions;
}

/** What the policy check and the update count read from the store. */
export interface VersionSource {
  /** Every published version of plugin `name`; throws PLUGIN_NOT_FOUND when the store has none. */
  versionsOf(name: string): Promise<PublishedVersion[]>;
  /** The declared permissions of catalog entry `id`. */
  permissionsOf(id: string): Promise<PluginPermissions | undefined>;
}

type StoreReads = Pick<StoreClient, 'listVersions' | 'listPlugins' | 'getPlugin'>;

/** Bound on the fallback listing: far more versions than one plugin name ever has. */
const MAX_FALLBACK_PAGES = 10;

/**
 * The store's version history (GET /plugins/{name}/versions). A store older than that route
 * answers ROUTE_NOT_FOUND; its one-entry-per-version listing then gives the same versions, so a
 * dashboard updated before its store still sees updates.
 */
export function storeVersionSource(client: StoreReads): VersionSource {
  return {
    async versionsOf(name) {
      try {
        const list = await client.listVersions(name);
        return list.versions.map(({ id, version, permissions }) => ({ id, version, permissions }));
      } catch (error) {
        if (!isOkoError(error) || error.code !== 'ROUTE_NOT_FOUND') throw error;
        return listedVersions(client, name);
      }
    },
    async permissionsOf(id) {
      return (await client.getPlugin(id)).permissions;
    },
  };
}

async function listedVersions(client: StoreReads, name: string): Promise<PublishedVersion[]> {
  const found: PublishedVersion[] = [];
  for (let page = 1; page <= MAX_FALLBACK_PAGES; page += 1) {
    const answer = await client.listPlugins({ q: name, all_versions: true, page, per_page: STORE_MAX_PER_PAGE });
    for (const entry of answer.plugins) {
      if (entry.name === name)
        found.push({ id: entry.id, version: entry.version, ...(entry.permissions ? { permissions: entry.permissions } : {}) });
    }
    if (page * answer.per_page >= answer.total || answer.plugins.length === 0) break;
  }
  return found;
}
