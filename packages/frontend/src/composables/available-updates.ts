import { computed, ref } from 'vue';
import type { AvailableUpdate } from '@oko/shared';
import { getAvailableUpdates } from '../api/versions.js';

// Installed plugins the store has a newer version of, for the count beside "Plugins" and the
// "Update to vX" buttons. Re-read with the installed list (its polling and after every install,
// update, rollback or uninstall): one request out at a time, a tick meanwhile joins it.

const updates = ref<AvailableUpdate[]>([]);
/** False while the store is down or the backend cannot say: no count is shown then. */
const available = ref(false);
let running: Promise<void> | null = null;

function refresh(): Promise<void> {
  running ??= getAvailableUpdates()
    .then((answer) => {
      available.value = answer.available;
      updates.value = answer.available ? answer.updates : [];
    })
    .catch(() => {
      available.value = false;
      updates.value = [];
    })
    .finally(() => (running = null));
  return running;
}

export function useAvailableUpdates() {
  return {
    updates,
    available,
    refresh,
    /** The count the badge shows; 0 hides it. */
    count: computed(() => (available.value ? updates.value.length : 0)),
    /** The update offered for an installed plugin name, if any. */
    forName: (name: string) => updates.value.find((update) => update.name === name),
  };
}
