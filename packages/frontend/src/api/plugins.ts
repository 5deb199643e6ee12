import { get, post } from './client.js';
import type { InstalledPlugin, PluginDetails, PluginList, PluginState } from './types.js';
import type { PageManifestAnswer } from './page-manifest-types.js';

// /api/v1/plugins: the backend's plugin manager (issue 3).

export const PLUGIN_OPERATIONS = ['load', 'unload', 'reload', 'enable', 'disable'] as const;
export type PluginOperation = (typeof PLUGIN_OPERATIONS)[number];

const base = (id: string) => `/api/v1/plugins/${encodeURIComponent(id)}`;

export const listPlugins = () => get<PluginList>('/api/v1/plugins', { timeoutMs: 10_000 });
export const getPlugin = (id: string) => get<PluginDetails>(base(id));
export const getPageManifest = (id: string) => get<PageManifestAnswer>(`${base(id)}/manifest`);

/** Lifecycle operations can wait on a plugin's setup, which the backend bounds at ~10 s. */
export const runOperation = (id: string, operation: PluginOperation) =>
  post<{ state?: PluginState; plugin?: InstalledPlugin } & Record<string, unknown>>(`${base(id)}/${operation}`, undefined, { timeoutMs: 60_000 });

/** Where a plugin's static/ folder is served. */
export const staticUrl = (id: string, file: string) =>
  `${base(id)}/static/${file.replace(/^\.?\/?static\//, '').split('/').map(encodeURIComponent).join('/')}`;
