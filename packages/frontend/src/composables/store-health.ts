import { useDocumentVisibility, useEventListener, useTimeoutPoll } from '@vueuse/core';
import type { StoreHealthReport } from '@oko/shared';
import { ref, shallowRef, watch, type Ref } from 'vue';
import { storeHealth } from '../api/store.js';
import { STORE_HEALTH_POLL_MS } from './poll-intervals.js';

// The store's health as GET /api/v1/store/health reports it, shared by the plugins page's store
// pill and Settings' "Plugin store" panel: whichever read it last, both show that answer.

const report = shallowRef<StoreHealthReport | null>(null);
/** A read has ended (answered or failed): the pill stops waiting for one. */
const checked = ref(false);
let asking: Promise<void> | undefined;

/** Reads the health now; a read already out is shared, not doubled. A failed read keeps the last report. */
function refresh(): Promise<void> {
  asking ??= storeHealth()
    .then(
      (answer) => void (report.value = answer),
      () => undefined,
    )
    .finally(() => {
      checked.value = true;
      asking = undefined;
    });
  return asking;
}

/** A report read elsewhere (Settings reads the same health with its own timing): shown at once. */
function take(answer: StoreHealthReport): void {
  report.value = answer;
  checked.value = true;
}

export function useStoreHealth() {
  return { report, checked, refresh, take };
}

/**
 * Keeps the report current for a page that shows it: read on the visit, every
 * STORE_HEALTH_POLL_MS while the page is in view (none while it is hidden), at once when it comes
 * back into view or the window gets focus, and when the listing's reachability changes (the store
 * went away or came back, so what it says of itself may have changed too).
 */
export function useStoreHealthWatch(listingAvailable: Ref<boolean | null>): void {
  const poll = useTimeoutPoll(refresh, STORE_HEALTH_POLL_MS, { immediate: true, immediateCallback: true });
  const visibility = useDocumentVisibility();
  watch(visibility, (now) => (now === 'visible' ? poll.resume() : poll.pause()));
  useEventListener(window, 'focus', () => void refresh());
  // From null is the first answer, which the visit's read already covers.
  watch(listingAvailable, (now, before) => {
    if (before === null || now === null || now === before) return;
    // Back: until the store says how it is, the pill says "checking" rather than the report from before it went.
    if (now) checked.value = false;
    void refresh();
  });
}
