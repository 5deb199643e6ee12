import { computed, ref, watch, type Ref } from 'vue';
import { ApiError, messageOf } from '../api/client.js';
import { getReadme, getStorePlugin, readmeAssetBase } from '../api/store.js';
import { backendInfo } from '../api/system.js';
import type { StoreEntry } from '../api/types.js';
import { renderReadme, type RenderedReadme } from '../lib/readme-html.js';
import { useStoreCatalog } from './store-catalog.js';

// One catalog entry for its details page: the whole entry (with this dashboard's install state),
// its README rendered and sanitized, and the plugin API this dashboard offers (for "compatible").
// The entry is re-read when an install or update of it ends, so the page follows what the button did.

/** GET /info rarely changes: read once per app. */
let apiVersion: Promise<string | null> | null = null;
function offeredApi(): Promise<string | null> {
  apiVersion ??= backendInfo()
    .then((info) => info.plugin_api_version)
    .catch(() => {
      apiVersion = null;
      return null;
    });
  return apiVersion;
}

export function useStoreDetails(name: Ref<string>) {
  const entry = ref<StoreEntry | null>(null);
  const error = ref<Error | null>(null);
  const readme = ref<RenderedReadme | null>(null);
  /** null while reading or when shown; the reason when the README could not be read. */
  const readmeError = ref<string | null>(null);
  const readmeLoaded = ref(false);
  const offered = ref<string | null>(null);
  const notFound = computed(() => error.value instanceof ApiError && error.value.status === 404);

  async function load(): Promise<void> {
    try {
      entry.value = await getStorePlugin(name.value);
      error.value = null;
    } catch (cause) {
      error.value = cause as Error;
    }
  }

  async function loadReadme(id: string): Promise<void> {
    readmeLoaded.value = false;
    try {
      readme.value = renderReadme(await getReadme(id), readmeAssetBase(id));
      readmeError.value = null;
    } catch (cause) {
      readme.value = null;
      // No README is a normal answer, not an error to show.
      readmeError.value = cause instanceof ApiError && cause.status === 404 ? null : messageOf(cause);
    } finally {
      readmeLoaded.value = true;
    }
  }

  watch(
    () => [entry.value?.id, entry.value?.has_readme] as const,
    ([id, hasReadme], previous) => {
      if (!id || id === previous?.[0]) return;
      if (hasReadme === false) {
        readme.value = null;
        readmeLoaded.value = true;
      } else void loadReadme(id);
    },
  );
  watch(
    name,
    () => {
      entry.value = null;
      readme.value = null;
      error.value = null;
      void load();
    },
    { immediate: true },
  );
  // When an install or update of this plugin ends, its install state changed: read it again.
  const { installing } = useStoreCatalog();
  watch(
    () => !!installing.value[name.value],
    (running, was) => {
      if (was && !running) void load();
    },
  );
  void offeredApi().then((version) => (offered.value = version));

  return { entry, error, notFound, readme, readmeError, readmeLoaded, apiVersion: offered, load };
}
