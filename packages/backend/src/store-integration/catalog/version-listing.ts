import {
  isNewerVersion,
  isOkoError,
  normalizePermissions,
  type PluginPermissions,
  type StoreVersion,
  type StoreVersionsListing,
} from '@oko/shared';
import type { PackageCache } from '../../versions/package-cache/package-cache.js';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';

/**
 * GET /store/{name}/versions: the store's history of `name` with the installed and kept versions
 * marked. A store that does not answer gives `available: false` and the kept versions alone, so
 * the details page still offers what can be installed offline.
 */
export async function versionListing(
  client: StoreClient,
  plugins: PluginRegistryPort,
  cache: PackageCache | undefined,
  name: string,
): Promise<StoreVersionsListing> {
  const [installed, cachedEntries] = await Promise.all([plugins.get(name), cache?.entries(name) ?? []]);
  const installedVersion = installed?.version ?? null;
  const cachedIds = new Set(cachedEntries.map((entry) => entry.id));
  const mark = (version: StoreVersion) => ({
    ...version,
    installed: version.version === installedVersion,
    cached: cachedIds.has(version.id),
  });
  try {
    const list = await client.listVersions(name);
    return { name, available: true, installed_version: installedVersion, versions: list.versions.map(mark) };
  } catch (error) {
    if (!isOkoError(error) || error.code !== 'STORE_UNAVAILABLE') throw error;
    const versions = cachedEntries
      .map(cachedVersion)
      .sort((a, b) => (isNewerVersion(b.version, a.version) ? 1 : isNewerVersion(a.version, b.version) ? -1 : 0));
    return { name, available: false, reason: error.message, installed_version: installedVersion, versions: versions.map(mark) };
  }
}

/** A kept catalog entry in the history's shape; the changelog is the store's to give. */
function cachedVersion(entry: CatalogEntry): StoreVersion {
  const manifest = (entry.manifest ?? {}) as {
    permissions?: PluginPermissions;
    engines?: { oko?: string };
    dependencies?: Record<string, string>;
  };
  return {
    id: entry.id,
    version: entry.version,
    created_at: entry.created_at ?? '',
    size: entry.size,
    sha256: entry.sha256,
    changelog: null,
    permissions: normalizePermissions((entry.permissions as PluginPermissions | undefined) ?? manifest.permissions),
    engines: manifest.engines?.oko ?? null,
    dependencies: manifest.dependencies ?? {},
  };
}
