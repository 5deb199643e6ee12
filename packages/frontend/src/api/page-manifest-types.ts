// The page manifest as the renderer draws it (DESIGN.md "Plugin pages"). The backend validates it
// with the shared schema before answering; the renderer still treats every field as optional
// because a fallback manifest carries almost nothing.

export type PageLayout = 'content-only' | 'with-sidebar' | 'dashboard' | 'split-view';

export interface PageComponentBase {
  id: string;
  type: string;
  title?: string;
  /** Optional placement hint: `sidebar` (with-sidebar) or `secondary` (split-view). */
  area?: string;
  [key: string]: unknown;
}

export interface TextComponent extends PageComponentBase {
  type: 'text';
  text?: string;
  content?: string;
}

export interface DataTableColumn {
  key: string;
  label?: string;
}

export interface GroupBySpec {
  field: string;
  label?: string;
  emptyLabel?: string;
}

export interface DataSource {
  type?: string;
  method?: string;
  endpoint: string;
  response_path?: string;
}

export interface DataTableComponent extends PageComponentBase {
  type: 'data-table';
  columns?: DataTableColumn[];
  groupBy?: GroupBySpec[];
  dataSource?: DataSource;
  loadingText?: string;
  emptyText?: string;
  errorText?: string;
}

export interface SidebarAction {
  id: string;
  title?: string;
  icon?: string;
  route?: string;
  endpoint?: string;
  method?: string;
}

export interface StatCardWidget {
  type: string;
  title?: string;
  endpoint?: string;
  value_path?: string;
  unit?: string;
}

export interface DashboardIndicator {
  id: string;
  widget: StatCardWidget;
  alwaysVisible?: boolean;
}

export interface CustomBundle {
  enabled?: boolean;
  entry?: string;
  integrity?: string;
}

export interface PageManifest {
  plugin_id?: string;
  manifest_version?: string;
  plugin_api_version?: string;
  capabilities?: string[];
  page?: {
    enabled?: boolean;
    title?: string;
    layout?: PageLayout | string;
    sidebarActions?: SidebarAction[];
    components?: PageComponentBase[];
  };
  dashboard?: { indicators?: DashboardIndicator[] };
  frontend?: { renderer?: 'universal' | 'custom' | string; customBundle?: CustomBundle };
}

export interface Negotiation {
  accepted: boolean;
  fallback_used: boolean;
  reason?: string | null;
  errors?: Array<string | { path?: string; message: string; file?: string }>;
}

/** GET /api/v1/plugins/{id}/manifest */
export interface PageManifestResponse {
  plugin_id: string;
  manifest: PageManifest;
  negotiation: Negotiation;
}
