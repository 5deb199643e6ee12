import { ref, type Ref } from 'vue';
import { messageOf } from '../api/client.js';

/**
 * An action on one item that a dialog confirms first (delete a user, revoke a token, remove a
 * key): `ask(item)` opens the dialog, `confirm()` runs the action, keeps the dialog open with the
 * server's own message when it fails, and closes it when it succeeds. `settle` runs either way
 * (e.g. a refresh, since a failed delete may still have changed the list).
 */
export function useConfirmedAction<T>(action: (item: T) => Promise<void>, settle?: () => Promise<void>) {
  const target = ref<T | null>(null) as Ref<T | null>;
  const busy = ref(false);
  const error = ref<string | null>(null);

  function ask(item: T) {
    error.value = null;
    target.value = item;
  }

  async function confirm() {
    const item = target.value;
    if (item === null) return;
    busy.value = true;
    error.value = null;
    try {
      await action(item);
      target.value = null;
    } catch (cause) {
      error.value = messageOf(cause);
    } finally {
      busy.value = false;
      await settle?.();
    }
  }

  return { target, busy, error, ask, confirm };
}
