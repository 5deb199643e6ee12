import { useLocalStorage } from '@vueuse/core';

// UI preferences kept in this browser. The custom-bundle kill switch is one: an admin who
// distrusts a bundle turns them all off here and every plugin page falls back to the
// universal renderer at once.

export const CUSTOM_BUNDLES_DISABLED_KEY = 'oko.customBundles.disabled';

export const customBundlesDisabled = useLocalStorage(CUSTOM_BUNDLES_DISABLED_KEY, false, {
  writeDefaults: false,
  // Storage may be full or blocked; the switch still holds for this tab.
  onError: () => undefined,
});
