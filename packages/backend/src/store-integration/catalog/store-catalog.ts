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
import { createHash } from 'node:crypto';
import { BoundedLru } from '@oko/shared/server';
import type { TaggedAnswer } from '../client/conditional-answers.js';
import type { StoreListAnswer } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';
import { storeHealth } from './store-health.js';

/** One answer of GET /store, as built once and sent again while neither of its sources changed. */
export interface CatalogPage {
  listing: StoreListing;
  /** The backend's ETag: a hash of the store page's tag, the installed view's version and the query. None when the store is down. */
  etag?: string;
  /** The listing serialized by the route's serializer, kept by the route on first send (same bytes every time). */
  body?: Buffer;
}

/** Merged pages kept: as many queries as the client remembers, and a bound on their bytes. */
const KEPT_PAGES = { maxEntries: 256, maxBytes: 64 * 1024 * 1024 };

/**
 * The store's catalog seen from the dashboard: merges each entry with the local install state and
 * turns an unreachable store into `available: false` instead of an error, so the plugins page
 * still renders (docs/architecture.md#when-the-store-is-down).
 */
export class StoreCatalog {
  /**
   * Per query: the page merged last and what it was built from. The store's tag and the installed
   * view's version change with any change of either, so a hit is the answer a fresh merge would give.
   */
  private readonly pages = new BoundedLru<string, { builtFrom: string; page: CatalogPage; bytes: number }>(
    KEPT_PAGES.maxEntries,
    KEPT_PAGES.maxBytes,
    ({ bytes }) => bytes,
  );

  constructor(
    private readonly client: StoreClient,
    private readonly plugins: Pick<PluginRegistryPort, 'get' | 'installedView'>,
  ) {}

  /** Queries whose merged page is kept; for tests of the bound. */
  get keptPages(): number {
    return this.pages.size;
  }

  async list(query: StoreListQuery): Promise<StoreListing> {
    return (await this.listPage(query)).listing;
  }

  /** The store's page (asked conditionally) with this dashboard's install state, merged once per change of either. */
  async listPage(query: StoreListQuery): Promise<CatalogPage> {
    let answer: TaggedAnswer<StoreListAnswer>;
    try {
      answer = await this.client.listPage(query);
    } catch (error) {
      // Only an unreachable store is "unavailable"; a 400 for a bad query is the caller's to see.
      if (isOkoError(error) && error.code !== 'STORE_UNAVAILABLE') throw error;
      const listing = {
        available: false,
        plugins: [],
        total: 0,
        page: query.page ?? 1,
        per_page: query.per_page ?? STORE_DEFAULT_PER_PAGE,
      };
      return { listing: { ...listing, reason: reasonOf(error) } };
    }
    const installed = this.plugins.installedView();
    const key = queryKey(query);
    const builtFrom = `${answer.tag}\n${installed.version}`;
    const kept = this.pages.get(key);
    if (kept?.builtFrom === builtFrom) return kept.page;
    const page = answer.value;
    const listing: StoreListing = {
      available: true,
      // Cut again here: a store that lists full entries must not fill a browser's page with them.
      plugins: page.plugins.map((entry) => withInstallState(catalogSummaryOf(entry), installed.byName.get(entry.name))),
      total: page.total,
      // The store's own numbers: it applies the defaults and limits, the backend only forwards.
      page: page.page,
      per_page: page.per_page,
    };
    const etag = `"${createHash('sha1').update(`${builtFrom}\n${key}`).digest('base64url')}"`;
    const merged = { listing, etag };
    // The listing and its serialized body: each about the size of the store's page.
    this.pages.set(key, { builtFrom, page: merged, bytes: 2 * answer.bytes });
    return merged;
  }

  async get(ref: string): Promise<StorePluginView> {
    const entry = await this.client.getPlugin(ref);
    return withInstallState(entry, await this.plugins.get(entry.name));
  }

  health(): Promise<StoreHealthReport> {
    return storeHealth(this.client);
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
    update_available: installed !== undefined && installed.scope === 'external' && isNewerVersion(entry.version, installed.version),
  };
}

/** The query in a fixed key order, so the same page asked two ways is kept once (every field: a sort is another page). */
function queryKey(query: StoreListQuery): string {
  return JSON.stringify([query.q, query.tag, query.all_versions, query.sort, query.page, query.per_page]);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
