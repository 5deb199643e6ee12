import type { AddTrustedKey, SignaturePolicy, TrustedKey } from '@oko/shared';
import { shallowRef, ref } from 'vue';
import { addTrustedKey, listTrustedKeys, removeTrustedKey } from '../api/trust.js';

// The dashboard's trusted keys and signature policy, read once and shared by every card and
// dialog that judges a signature. Add and remove write, then re-read: the list shown is the
// backend's, never a guess.

/** null until read, and while they cannot be read (a badge then says "trust unknown"). */
const keys = shallowRef<TrustedKey[] | null>(null);
const policy = ref<SignaturePolicy | null>(null);
const error = ref<string | null>(null);
const loaded = ref(false);

async function refresh(): Promise<void> {
  try {
    const answer = await listTrustedKeys();
    keys.value = answer.keys;
    policy.value = answer.policy;
    error.value = null;
  } catch (cause) {
    error.value = (cause as Error).message;
  } finally {
    loaded.value = true;
  }
}

async function add(body: AddTrustedKey): Promise<TrustedKey> {
  try {
    return await addTrustedKey(body);
  } finally {
    await refresh();
  }
}

async function remove(keyId: string): Promise<void> {
  try {
    await removeTrustedKey(keyId);
  } finally {
    await refresh();
  }
}

export function useTrustedKeys() {
  return { keys, policy, error, loaded, refresh, add, remove };
}
