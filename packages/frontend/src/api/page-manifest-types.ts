// The page manifest as the renderer draws it (docs/architecture.md#page-manifests), on top of the shared
// schema's types. The schema allows extra keys; the few the renderer reads beyond the schema
// (placement hints, a stat card's value_path) are named here.
import type { PageComponent, PageDataSource, PageManifest, PageNegotiation } from '@oko/shared';

export type { PageLayout, PageManifest, PageManifestAnswer, PageDataSource } from '@oko/shared';
export type Negotiation = PageNegotiation;

export type PageComponentBase = PageComponent & {
  /** Optional placement hint: `sidebar` (with-sidebar) or `secondary` (split-view). */
  area?: string;
  /** stat-card: path of the value in the data source's answer (else response_path). */
  value_path?: string;
  /** action-button: the action type to run (else derived from `capability`). */
  action?: string;
  payload?: unknown;
  unit?: string;
};

export type DataTableComponent = PageComponentBase & { type: 'data-table' };
export type TextComponent = PageComponentBase & { type: 'text'; content?: string };
export type DataTableColumn = NonNullable<PageComponent['columns']>[number];
export type GroupBySpec = NonNullable<PageComponent['groupBy']>[number];
export type DataSource = PageDataSource;
export type SidebarAction = NonNullable<PageManifest['page']['sidebarActions']>[number];
export type DashboardIndicator = NonNullable<NonNullable<PageManifest['dashboard']>['indicators']>[number] & {
  widget: { unit?: string };
};
export type CustomBundle = NonNullable<NonNullable<PageManifest['frontend']>['customBundle']>;
