import { ref } from 'vue';
import { installFromStore, listStore } from '../api/store.js';
import type { StorePlugin } from '../api/types.js';
import { useInstalledPlugins } from './installed-plugins.js';

// The store catalog through the backend. "Unavailable" is a normal state with a reason, not an
// error page: the backend answers `available: false` quickly when the store is down.

const plugins = ref<StorePlugin[]>([]);
const available = ref<boolean | null>(null);
const reason = ref<string | null>(null);
const error = ref<string | null>(null);
const loaded = ref(false);
/** Store id -> when its install started, for the progress shown on its card. */
const installing = ref<Record<string, number>>({});

async function refresh(): Promise<void> {
  try {
    const answer = await listStore();
    available.value = answer.available;
    reason.value = answer.available ? null : (answer.reason ?? 'The plugin store does not answer');
    plugins.value = answer.plugins ?? [];
    error.value = null;
  } catch (cause) {
    // The backend itself failed to answer: say so, but keep the last catalog on screen.
    error.value = (cause as Error).message;
  } finally {
    loaded.value = true;
  }
}

async function install(storeId: string) {
  installing.value = { ...installing.value, [storeId]: Date.now() };
  try {
    return await installFromStore(storeId);
  } finally {
    const { [storeId]: _done, ...rest } = installing.value;
    installing.value = rest;
    await Promise.all([refresh(), useInstalledPlugins().refresh()]);
  }
}

export function useStoreCatalog() {
  return { plugins, available, reason, error, loaded, installing, refresh, install };
}
