import type { PageManifestAnswer, PluginDetails, PluginEnvAnswer, PluginList, PluginOperation } from '@oko/shared';
import { get, post, request } from './client.js';

// /api/v1/plugins: the backend's plugin manager.

export type { PluginOperation } from '@oko/shared';

const base = (id: string) => `/api/v1/plugins/${encodeURIComponent(id)}`;

export const listPlugins = () => get<PluginList>('/api/v1/plugins', { timeoutMs: 10_000 });
export const getPlugin = (id: string) => get<PluginDetails>(base(id));
export const getPageManifest = (id: string) => get<PageManifestAnswer>(`${base(id)}/manifest`);

/**
 * Lifecycle operations can wait on a plugin's setup, which the backend bounds at ~10 s. `force`
 * (unload, disable): also unload the plugins that depend on it, instead of IN_USE.
 */
export const runOperation = (id: string, operation: PluginOperation, force = false) =>
  post<PluginDetails>(`${base(id)}/${operation}${force ? '?force=true' : ''}`, undefined, { timeoutMs: 60_000 });

/** A plugin's own HTML page; the backend serves it only while the plugin is active. */
export const pageUrl = (id: string) => `${base(id)}/page`;
/** Which declared env names have a value; values themselves never come back. */
export const getPluginEnv = (id: string) => get<PluginEnvAnswer>(`${base(id)}/env`);
/** Sets values (null removes one); they apply on the plugin's next load. */
export const putPluginEnv = (id: string, values: Record<string, string | null>) =>
  request<PluginEnvAnswer>(`${base(id)}/env`, { method: 'PUT', body: { values } });

/** Where a plugin's static/ folder is served. */
export const staticUrl = (id: string, file: string) =>
  `${base(id)}/static/${file
    .replace(/^\.?\/?static\//, '')
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
