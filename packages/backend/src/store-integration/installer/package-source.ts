import { copyFile } from 'node:fs/promises';
import { hasCatalogIdShape, isOkoError, isValidPluginName } from '@oko/shared';
import type { PackageCache } from '../../versions/package-cache/package-cache.js';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import { downloadVerified } from './verified-download.js';

/** A package to install and where its bytes come from: the store, or the package cache. */
export interface PackageSource {
  entry: CatalogEntry;
  /** Writes the package, verified against `entry`, to `zipFile` (a new file). */
  fetch(zipFile: string): Promise<void>;
  fromCache: boolean;
}

export function storeSource(client: StoreClient, entry: CatalogEntry): PackageSource {
  return { entry, fromCache: false, fetch: (zipFile) => downloadVerified(client, entry, zipFile) };
}

/** A cached package the cache has just re-hashed (PackageCache.get). */
export function cacheSource(cached: { entry: CatalogEntry; zipFile: string }): PackageSource {
  return { entry: cached.entry, fromCache: true, fetch: (zipFile) => copyFile(cached.zipFile, zipFile) };
}

/**
 * The store's entry for `ref` (a catalog id or a name); with the store down, the cached package
 * of that id, or the newest cached version of that name. Any other store error stands.
 */
export async function resolveSource(client: StoreClient, cache: PackageCache | undefined, ref: string): Promise<PackageSource> {
  try {
    return storeSource(client, await client.getPlugin(ref));
  } catch (error) {
    if (!cache || !isOkoError(error) || error.code !== 'STORE_UNAVAILABLE') throw error;
    const cached = hasCatalogIdShape(ref) ? await cache.findById(ref) : isValidPluginName(ref) ? await cache.newest(ref) : undefined;
    if (!cached) throw error;
    return cacheSource(cached);
  }
}
