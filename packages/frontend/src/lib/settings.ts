import type { RuntimeSettings } from '@oko/shared';
import { computed, ref, shallowRef } from 'vue';
import { messageOf } from '../api/client.js';
import { runtimeSettings, updateRuntimeSettings } from '../api/system.js';

// The dashboard's server-side settings (GET/PUT /api/v1/system/settings), the same for every
// browser. The custom-bundle kill switch is one: an admin who distrusts a bundle turns them all off
// and every plugin page, in every browser, falls back to the universal renderer. It used to be a
// per-browser localStorage key ('oko.customBundles.disabled'); that key is no longer read.

/** The settings as the backend last answered them; null until the first answer. */
export const settings = shallowRef<RuntimeSettings | null>(null);
/** Why the last read failed; the last answer (if any) stays in `settings`. */
export const settingsError = ref<string | null>(null);

let reading: Promise<void> | null = null;

/** Reads the settings again; callers at the same moment share one request. */
export function refreshSettings(): Promise<void> {
  reading ??= runtimeSettings()
    .then((answer) => {
      settings.value = answer;
      settingsError.value = null;
    })
    .catch((cause: unknown) => {
      settingsError.value = messageOf(cause);
    })
    .finally(() => {
      reading = null;
    });
  return reading;
}

/** Admins only (the backend answers 403 otherwise): saves, then shows what the backend saved. */
export async function setCustomBundlesEnabled(enabled: boolean): Promise<void> {
  settings.value = await updateRuntimeSettings({ custom_bundles_enabled: enabled });
  settingsError.value = null;
}

/**
 * Custom bundles run only once the backend said they may: while the answer is awaited or could not
 * be read, pages use the universal renderer (a kill switch that fails open would not be one).
 */
export const customBundlesAllowed = computed(() => settings.value?.custom_bundles_enabled === true);
