import type { AvailableUpdates, PluginVersionSettingsAnswer, RollbackAnswer, StoreVersionsListing, UpdatePolicy } from '@oko/shared';
import { get, post, request } from './client.js';

// Versions through the backend: a plugin's history as the store lists it (with what is installed
// and kept here), the updates available, and an installed plugin's rollback, pin and policy.

const plugin = (id: string) => `/api/v1/plugins/${encodeURIComponent(id)}`;

export const getStoreVersions = (name: string) =>
  get<StoreVersionsListing>(`/api/v1/store/${encodeURIComponent(name)}/versions`, { timeoutMs: 15_000 });
export const getAvailableUpdates = () => get<AvailableUpdates>('/api/v1/store/updates', { timeoutMs: 15_000 });

/** Returns to the version installed before this one; works with the store down (the package is kept). */
export const rollbackPlugin = (id: string) => post<RollbackAnswer>(`${plugin(id)}/rollback`, undefined, { timeoutMs: 180_000 });
export const pinPlugin = (id: string) => post<PluginVersionSettingsAnswer>(`${plugin(id)}/pin`);
export const unpinPlugin = (id: string) => post<PluginVersionSettingsAnswer>(`${plugin(id)}/unpin`);
export const setUpdatePolicy = (id: string, policy: UpdatePolicy) =>
  request<PluginVersionSettingsAnswer>(`${plugin(id)}/update-policy`, { method: 'PUT', body: { update_policy: policy } });
