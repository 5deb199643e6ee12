import { computed, ref } from 'vue';
import { listPlugins, runOperation, type PluginOperation } from '../api/plugins.js';
import { uninstallPlugin } from '../api/store.js';
import type { InstalledPlugin } from '../api/types.js';
import { useAvailableUpdates } from './available-updates.js';

// Installed plugins as the backend last reported them. Every action writes, then re-reads the
// list: the UI shows the state the backend has, never the state it hoped for.

const plugins = ref<InstalledPlugin[]>([]);
const loaded = ref(false);
const error = ref<string | null>(null);
/** Plugin id -> the operation running on it, so its buttons show progress and stay disabled. */
const busy = ref<Record<string, PluginOperation | 'uninstall'>>({});

async function refresh(): Promise<void> {
  // The count of available updates follows the installed list: same polling, same moments.
  void useAvailableUpdates().refresh();
  try {
    const answer = await listPlugins();
    plugins.value = [...answer.plugins].sort((a, b) => a.name.localeCompare(b.name));
    error.value = null;
  } catch (cause) {
    error.value = (cause as Error).message;
  } finally {
    loaded.value = true;
  }
}

async function withBusy<T>(id: string, what: PluginOperation | 'uninstall', action: () => Promise<T>): Promise<T> {
  busy.value = { ...busy.value, [id]: what };
  try {
    return await action();
  } finally {
    const { [id]: _done, ...rest } = busy.value;
    busy.value = rest;
    useAvailableUpdates().invalidate();
    await refresh();
  }
}

export function useInstalledPlugins() {
  return {
    plugins,
    loaded,
    error,
    busy,
    refresh,
    byId: computed(() => new Map(plugins.value.map((plugin) => [plugin.id, plugin]))),
    /** `force` also unloads the plugins that depend on it (after IN_USE). */
    operate: (id: string, operation: PluginOperation, force = false) => withBusy(id, operation, () => runOperation(id, operation, force)),
    uninstall: (id: string, force = false) => withBusy(id, 'uninstall', () => uninstallPlugin(id, force)),
  };
}
