import { computed, ref } from 'vue';
import type { AvailableUpdate } from '@oko/shared';
import { getAvailableUpdates } from '../api/versions.js';
import { UPDATES_POLL_MS } from './poll-intervals.js';

// Installed plugins the store has a newer version of, for the count beside "Plugins" and the
// "Update to vX" buttons. Re-read with the installed list: on its polling at most every
// UPDATES_POLL_MS, and at once after an install, update, rollback or uninstall (which call
// `invalidate`). One request out at a time; a tick meanwhile joins it.

const updates = ref<AvailableUpdate[]>([]);
/** False while the store is down or the backend cannot say: no count is shown then. */
const available = ref(false);
let running: Promise<void> | null = null;
/** When the last answer was asked for; 0 forces the next refresh. */
let askedAt = 0;

function refresh(): Promise<void> {
  if (!running && Date.now() - askedAt < UPDATES_POLL_MS) return Promise.resolve();
  askedAt = Date.now();
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
    /** Something was installed, updated, rolled back or uninstalled: the next refresh asks again. */
    invalidate: () => {
      askedAt = 0;
    },
    /** The count the badge shows; 0 hides it. */
    count: computed(() => (available.value ? updates.value.length : 0)),
    /** The update offered for an installed plugin name, if any. */
    forName: (name: string) => updates.value.find((update) => update.name === name),
  };
}
