import { ref, watch } from 'vue';

// UI preferences kept in this browser. The custom-bundle kill switch is one: an admin who
// distrusts a bundle turns them all off here and every plugin page falls back to the
// universal renderer at once.

export const CUSTOM_BUNDLES_DISABLED_KEY = 'oko.customBundles.disabled';

function readFlag(key: string): boolean {
  try {
    return globalThis.localStorage?.getItem(key) === 'true';
  } catch {
    return false;
  }
}

export const customBundlesDisabled = ref(readFlag(CUSTOM_BUNDLES_DISABLED_KEY));

watch(customBundlesDisabled, (value) => {
  try {
    globalThis.localStorage?.setItem(CUSTOM_BUNDLES_DISABLED_KEY, String(value));
  } catch {
    // Storage may be full or blocked; the switch still holds for this tab.
  }
});
