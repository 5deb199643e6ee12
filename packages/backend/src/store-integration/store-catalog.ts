import { isNewerVersion, isOkoError, STORE_DEFAULT_PER_PAGE } from '@oko/shared';
import type { InstalledPluginView, PluginRegistryPort } from './plugin-registry-port.js';
import type { StoreClient } from './store-client.js';
import type { StoreCatalogEntry, StoreCatalogQuery } from './store-types.js';

/** A catalog entry as the dashboard shows it: what the store says plus what is installed here. */
export type StorePluginView = StoreCatalogEntry & {
  installed: boolean;
  installed_version: string | null;
  installed_state: string | null;
  /** Installed (not builtin) and this catalog version is newer than the installed one. */
  update_available: boolean;
};

export interface StoreListing {
  available: boolean;
  plugins: StorePluginView[];
  /** Matching plugins over all pages, so the UI can page through them. */
  total: number;
  page: number;
  per_page: number;
  /** Why the store is not available, for the UI to show. */
  reason?: string;
}

export interface StoreHealthReport {
  available: boolean;
  url: string;
  response_time_ms: number;
  store?: { version: string; plugins_count: number };
  reason?: string;
}

/**
 * The store's catalog seen from the dashboard: merges each entry with the local install state and
 * turns an unreachable store into `available: false` instead of an error, so the plugins page
 * still renders (the seed's "Store Unavailable" behaviour).
 */
export class StoreCatalog {
  constructor(
    private readonly client: StoreClient,
    private readonly plugins: PluginRegistryPort,
  ) {}

  async list(query: StoreCatalogQuery): Promise<StoreListing> {
    try {
      const [page, installed] = await Promise.all([this.client.listPlugins(query), this.plugins.list()]);
      const byName = new Map(installed.map((plugin) => [plugin.name, plugin]));
      return {
        available: true,
        plugins: page.plugins.map((entry) => withInstallState(entry, byName.get(entry.name))),
        total: page.total,
        // The store's own numbers: it applies the defaults and limits, the backend only forwards.
        page: page.page,
        per_page: page.per_page,
      };
    } catch (error) {
      // Only an unreachable store is "unavailable"; a 400 for a bad query is the caller's to see.
      if (isOkoError(error) && error.code !== 'STORE_UNAVAILABLE') throw error;
      return { available: false, plugins: [], total: 0, page: query.page ?? 1, per_page: query.per_page ?? STORE_DEFAULT_PER_PAGE, reason: reasonOf(error) };
    }
  }

  async get(ref: string): Promise<StorePluginView> {
    const entry = await this.client.getPlugin(ref);
    return withInstallState(entry, await this.plugins.get(entry.name));
  }

  async health(): Promise<StoreHealthReport> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const health = await this.client.health();
      return {
        available: true,
        url: this.client.baseUrl,
        response_time_ms: elapsed(),
        store: { version: String(health.version), plugins_count: Number(health.plugins_count) },
      };
    } catch (error) {
      return { available: false, url: this.client.baseUrl, response_time_ms: elapsed(), reason: reasonOf(error) };
    }
  }

}

function withInstallState(entry: StoreCatalogEntry, installed: InstalledPluginView | undefined): StorePluginView {
  return {
    ...entry,
    installed: installed !== undefined,
    installed_version: installed?.version ?? null,
    installed_state: installed?.state ?? null,
    update_available: installed !== undefined && installed.scope !== 'builtin' && isNewerVersion(entry.version, installed.version),
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
