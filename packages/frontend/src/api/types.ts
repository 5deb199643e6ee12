// Payload types of the backend API as the UI reads them. The backend's own types live in
// @oko/shared; these mirror them loosely (optional where the backend may omit a field) so a
// field the backend adds later never breaks the UI.

export const PLUGIN_STATES = ['discovered', 'loading', 'active', 'error', 'disabled'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];

export interface UiSummary {
  has_page?: boolean;
  page_title?: string;
  page_icon?: string;
  show_in_menu?: boolean;
  menu_group?: string;
  menu_order?: number;
  api_prefix?: string;
}

/** The backend reports a plugin error either as text or as `{code, message}`. */
export type PluginErrorInfo = string | { code?: string; message: string };

export interface InstalledPlugin {
  id: string;
  name: string;
  version: string;
  description?: string;
  state: PluginState;
  scope?: 'builtin' | 'external' | string;
  error?: PluginErrorInfo | null;
  ui?: UiSummary | null;
  api_prefix?: string;
}

export interface PluginList {
  plugins: InstalledPlugin[];
  total: number;
}

export interface RegisteredRoute {
  method: string;
  path: string;
}

export interface PluginDetails extends InstalledPlugin {
  manifest?: Record<string, unknown> & { capabilities?: string[]; author?: string; homepage?: string; license?: string; tags?: string[] };
  ui?: (UiSummary & Record<string, unknown>) | null;
  loaded_at?: string | null;
  routes?: Array<RegisteredRoute | string>;
  actions?: Array<{ type: string; capability?: string } | string>;
  path?: string;
}

export interface StorePlugin {
  id: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
  source?: string;
  tags?: string[];
  manifest?: { name?: string; version?: string; tags?: string[]; capabilities?: string[] } & Record<string, unknown>;
  installed?: boolean;
  installed_version?: string | null;
  installed_state?: PluginState | null;
  created_at?: string;
  updated_at?: string;
  size?: number;
  size_bytes?: number;
}

export interface StoreList {
  available: boolean;
  plugins: StorePlugin[];
  total: number;
  reason?: string;
}

export interface StoreHealth {
  available: boolean;
  url: string;
  response_time_ms?: number | null;
  store?: Record<string, unknown>;
  reason?: string;
}

export interface InstallResult {
  status: string;
  plugin: { id: string; name: string; version: string; state: PluginState; scope?: string };
  message: string;
}

export interface StoreUploadResult {
  success: boolean;
  plugin_id: string;
  message: string;
  plugin?: StorePlugin;
}

export interface BackendInfo {
  version?: string;
  plugins_dir?: string;
  data_dir?: string;
  store_url?: string;
  node?: string;
  node_version?: string;
  [key: string]: unknown;
}

export interface GithubImportRequest {
  repo_url: string;
  branch: string;
  subdirectory?: string;
}
