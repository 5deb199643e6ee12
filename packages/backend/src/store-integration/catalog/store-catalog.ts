import {
  catalogSummaryOf,
  isNewerVersion,
  isOkoError,
  STORE_DEFAULT_PER_PAGE,
  type CatalogSummary,
  type InstalledPluginInfo,
  type RelayedCatalogEntry,
  type StoreHealthReport,
  type StoreListing,
  type StoreListQuery,
  type StorePluginView,
} from '@oko/shared';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';

/**
 * The store's catalog seen from the dashboard: merges each entry with the local install state and
 * turns an unreachable store into `available: false` instead of an error, so the plugins page
 * still renders (docs/architecture.md#when-the-store-is-down).
 */
export class StoreCatalog {
  constructor(
    private readonly client: StoreClient,
    private readonly plugins: PluginRegistryPort,
  ) {}

  async list(query: StoreListQuery): Promise<StoreListing> {
    try {
      const [page, installed] = await Promise.all([this.client.listPlugins(query), this.plugins.list()]);
      const byName = new Map(installed.map((plugin) => [plugin.name, plugin]));
      return {
        available: true,
        // Cut again here: a store that lists full entries must not fill a browser's page with them.
        plugins: page.plugins.map((entry) => withInstallState(catalogSummaryOf(entry), byName.get(entry.name))),
        total: page.total,
        // The store's own numbers: it applies the defaults and limits, the backend only forwards.
        page: page.page,
        per_page: page.per_page,
      };
    } catch (error) {
      // Only an unreachable store is "unavailable"; a 400 for a bad query is the caller's to see.
      if (isOkoError(error) && error.code !== 'STORE_UNAVAILABLE') throw error;
      return {
        available: false,
        plugins: [],
        total: 0,
        page: query.page ?? 1,
        per_page: query.per_page ?? STORE_DEFAULT_PER_PAGE,
        reason: reasonOf(error),
      };
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

/** The entry as it came (a full entry, or the list's summary), with this dashboard's install state. */
type InstallStateFields = Pick<StorePluginView, 'installed' | 'installed_version' | 'installed_state' | 'update_available'>;

function withInstallState<T extends RelayedCatalogEntry | CatalogSummary>(
  entry: T,
  installed: InstalledPluginInfo | undefined,
): T & InstallStateFields {
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
