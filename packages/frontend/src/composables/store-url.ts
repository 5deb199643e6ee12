import { CATALOG_SORTS, type CatalogSort } from '@oko/shared';
import { watch } from 'vue';
import type { LocationQuery, LocationQueryValue, RouteLocationNormalizedLoaded, Router } from 'vue-router';
import { useStoreCatalog } from './store-catalog.js';

// The Store tab's order and tag filter live in the URL beside the tab (?tab=store&sort=rating&tag=x),
// so reload, back and a shared link show the same list, and a tag chip on a details page is a link.

const one = (value: LocationQueryValue | LocationQueryValue[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? undefined;

/** The order a URL asks for; the store's default (name) for none or an unknown one. */
export function sortFrom(query: LocationQuery): CatalogSort {
  const value = one(query.sort);
  return (CATALOG_SORTS as readonly string[]).includes(value ?? '') ? (value as CatalogSort) : 'name';
}

/** The tag filter a URL asks for; '' for none. */
export function tagFrom(query: LocationQuery): string {
  return one(query.tag)?.trim().slice(0, 50) ?? '';
}

/** The Store tab link that lists the plugins tagged `tag`. */
export const tagLink = (tag: string) => ({ path: '/plugins', query: { tab: 'store', tag } });

/** Keeps the catalog's order and tag in step with the URL; `arrange` changes the URL (and so the list). */
export function useStoreUrl(route: RouteLocationNormalizedLoaded, router: Router) {
  watch(
    () => ({ sort: sortFrom(route.query), tag: tagFrom(route.query) }),
    (next) => void useStoreCatalog().arrange(next),
    { immediate: true },
  );
  function arrange(next: { sort: CatalogSort; tag: string }) {
    const query = { ...route.query, tab: 'store', sort: next.sort === 'name' ? undefined : next.sort, tag: next.tag || undefined };
    void router.replace({ query });
  }
  return { arrange };
}
