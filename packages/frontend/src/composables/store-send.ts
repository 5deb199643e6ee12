import type { StoreUploadAnswer } from '@oko/shared';
import { ref } from 'vue';
import { messageOf } from '../api/client.js';
import { useStoreCatalog } from './store-catalog.js';
import { showToast } from './toasts.js';

/**
 * Sending a plugin to the store from a dialog (a ZIP upload, a GitHub import): while it runs the
 * dialog is busy; on success a toast, a fresh catalog and `onSent`; on failure the error stays in
 * the dialog (and a toast says it) so the same input can be sent again.
 */
export function useStoreSend(onSent: () => void) {
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function send(task: () => Promise<StoreUploadAnswer>, sentMessage: (answer: StoreUploadAnswer) => string, failure: string) {
    busy.value = true;
    error.value = null;
    try {
      const answer = await task();
      showToast(answer.message || sentMessage(answer), 'success');
      // Accepted, but worth fixing (a deprecated ui.yaml field, a name another plugin holds).
      for (const warning of answer.warnings ?? []) showToast(`Warning: ${warning}`, 'info');
      await useStoreCatalog().refresh();
      onSent();
    } catch (cause) {
      error.value = messageOf(cause);
      showToast(`${failure}: ${error.value}`, 'error');
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, send };
}
