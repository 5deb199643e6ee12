// Payload types of the backend API. The plugin-management and catalog types come from
// @oko/shared (the same schemas the backend validates with); the /api/v1/store answers are the
// backend's own and are written out here, as the backend defines them in its schemas.ts.
import type { CatalogEntry, PluginState } from '@oko/shared';

export type {
  BackendInfo,
  CatalogEntry,
  GithubImportRequest,
  PluginDetails,
  PluginErrorInfo,
  PluginList,
  PluginState,
  PluginSummary,
  PluginUiSummary,
  RegisteredRoute,
} from '@oko/shared';
export type { PluginSummary as InstalledPlugin } from '@oko/shared';

/** A catalog entry as GET /api/v1/store lists it, with what this backend has installed. */
export type StorePlugin = Partial<Omit<CatalogEntry, 'id' | 'name' | 'version'>> & {
  id: string;
  name: string;
  version: string;
  installed: boolean;
  installed_version: string | null;
  installed_state: PluginState | string | null;
  /** Installed here and this catalog version is newer than the installed one. */
  update_available?: boolean;
};

/** GET /api/v1/store: one page of the catalog; `available: false` with a reason when the store does not answer. */
export interface StoreList {
  available: boolean;
  plugins: StorePlugin[];
  /** Matching plugins over all pages. */
  total: number;
  page: number;
  per_page: number;
  reason?: string;
}

/** Query of GET /api/v1/store, passed on to the store: search text, tag, 1-based page, page size. */
export interface StoreListQuery {
  q?: string;
  tag?: string;
  page?: number;
  per_page?: number;
}

/** GET /api/v1/store/health */
export interface StoreHealth {
  available: boolean;
  url: string;
  response_time_ms: number;
  store?: { version: string; plugins_count: number };
  reason?: string;
}

/** POST /api/v1/store/{id}/install */
export interface InstallResult {
  status: 'installed';
  plugin: { id: string; name: string; version: string; state: string; scope: string };
  message: string;
}

/** POST /api/v1/store/{id}/update; `message` says when the new version failed to load (state error). */
export interface UpdateResult {
  status: 'updated';
  plugin: InstallResult['plugin'];
  previous_version: string;
  message: string;
}

/** POST /api/v1/store/{id}/uninstall */
export interface UninstallResult {
  status: 'uninstalled';
  plugin: { id: string; name: string; version: string };
  message: string;
}

/** POST /api/v1/store/upload/zip and /upload/github: the store's answer, passed through. */
export interface StoreUploadResult {
  success: boolean;
  plugin_id: string;
  message: string;
  plugin: { id: string; name: string; version: string };
}
