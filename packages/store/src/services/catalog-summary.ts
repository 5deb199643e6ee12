import { catalogSummaryOf, type StorePluginList } from '@oko/shared';

/**
 * A page of search results as the list route answers it: each entry cut to its summary. The full
 * manifest and ui of an entry can be tens of KB each, and a page holds up to 200 entries; only
 * GET /plugins/{id} carries them (README, Store service API).
 */
export function summarizePage(page: StorePluginList): StorePluginList {
  return { ...page, plugins: page.plugins.map(catalogSummaryOf) };
}
