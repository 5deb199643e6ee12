import type { AddTrustedKey, TrustedKey, TrustedKeyList } from '@oko/shared';
import { get, post, request } from './client.js';

// /api/v1/trust: the keys this dashboard trusts to sign plugins, and the signature policy in force.

export const listTrustedKeys = () => get<TrustedKeyList>('/api/v1/trust/keys', { timeoutMs: 10_000 });
/** The server computes the key id from the PEM; 400 for a key it cannot read, 409 for one it has. */
export const addTrustedKey = (body: AddTrustedKey) => post<TrustedKey>('/api/v1/trust/keys', body, { timeoutMs: 10_000 });
/** Settings keys only: a key from the OKO_TRUSTED_KEYS folder answers 409 (delete its file instead). */
export const removeTrustedKey = (keyId: string) =>
  request<unknown>(`/api/v1/trust/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE', timeoutMs: 10_000 });
