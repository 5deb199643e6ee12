import type { RuntimeConfig, RuntimeSettings, RuntimeSettingsUpdate } from '@oko/shared';
import { get, request } from './client.js';
import type { BackendInfo } from './types.js';

export const backendInfo = () => get<BackendInfo>('/api/v1/info', { timeoutMs: 10_000 });
export const backendHealth = () => get<Record<string, unknown>>('/api/v1/health', { timeoutMs: 10_000 });

/** What an admin needs to know of this dashboard: store URL and health, folders, limits, policies. */
export const runtimeConfig = () => get<RuntimeConfig>('/api/v1/system/config', { timeoutMs: 15_000 });
/** The server-side settings every browser follows (the custom-bundle kill switch). */
export const runtimeSettings = () => get<RuntimeSettings>('/api/v1/system/settings', { timeoutMs: 10_000 });
/** Admins only; answers the settings as saved. */
export const updateRuntimeSettings = (update: RuntimeSettingsUpdate) =>
  request<RuntimeSettings>('/api/v1/system/settings', { method: 'PUT', body: update, timeoutMs: 10_000 });
