import { alreadyPublishedOf, type AlreadyPublished, type StoreUploadAnswer } from '@oko/shared';
import { ref } from 'vue';
import { ApiError, messageOf } from '../api/client.js';
import { useStoreCatalog } from './store-catalog.js';
import { showToast } from './toasts.js';

/**
 * Sending a plugin to the store from a dialog (a ZIP upload, a GitHub import): while it runs the
 * dialog is busy; on success a toast, a fresh catalog and `onSent`; on failure the error stays in
 * the dialog (and a toast says it) so the same input can be sent again. A dialog that stays open and
 * says the outcome itself (the upload's "… is in the store. Install it now?") passes `sentMessage:
 * null`: a toast would say it a second time, by the plugin's id rather than its name.
 */
export function useStoreSend(onSent: () => void) {
  const busy = ref(false);
  const error = ref<string | null>(null);
  /** The entry that already holds this name and version, when that is why the store refused. */
  const existing = ref<AlreadyPublished | null>(null);

  async function send(
    task: () => Promise<StoreUploadAnswer>,
    sentMessage: ((answer: StoreUploadAnswer) => string) | null,
    failure: string,
  ) {
    busy.value = true;
    error.value = null;
    existing.value = null;
    try {
      const answer = await task();
      if (sentMessage) showToast(answer.message || sentMessage(answer), 'success');
      // Accepted, but worth fixing (a deprecated ui.yaml field, a name another plugin holds).
      for (const warning of answer.warnings ?? []) showToast(`Warning: ${warning}`, 'info');
      await useStoreCatalog().refresh();
      onSent();
    } catch (cause) {
      error.value = messageOf(cause);
      if (cause instanceof ApiError && cause.code === 'PLUGIN_ALREADY_EXISTS') existing.value = alreadyPublishedOf(cause.details) ?? null;
      showToast(`${failure}: ${error.value}`, 'error');
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, existing, send };
}
