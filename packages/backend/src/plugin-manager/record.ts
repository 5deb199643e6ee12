import {
  apiPrefixOf,
  formatIssue,
  pluginDisplayName,
  type InstalledSignature,
  type PluginDetails,
  type PluginErrorInfo,
  type PluginState,
  type PluginSummary,
} from '@oko/shared';
import type { PluginHost } from './host.js';
import type { PageSource } from './plugin-pages.js';
import type { ScannedPlugin } from './scanner.js';

/** What the manager knows of one plugin. */
export interface PluginRecord {
  scan: ScannedPlugin;
  state: PluginState;
  /** `fromManifest`: the error comes from the files on disk and clears when they are fixed. */
  error?: PluginErrorInfo & { fromManifest: boolean };
  loadedAt?: string;
  host?: PluginHost;
  /** Why it is `loading` when that is a restart after a crash ("restart 2 of 3"). */
  statusReason?: string;
  /** Its signature state as last checked (src/trust/); set before every answer that lists it. */
  signature?: InstalledSignature;
}

export function apiPrefixOfRecord(record: PluginRecord): string {
  return apiPrefixOf(record.scan.id, record.scan.ui);
}

/**
 * The path segments a plugin stands for under /api/v1/plugins: its name (management paths), the
 * prefix its name gives and the prefix it declares (its routes). Two plugins may share none.
 */
export function pathNamesOf(record: PluginRecord): Set<string> {
  return new Set([record.scan.id, apiPrefixOf(record.scan.id), apiPrefixOfRecord(record)]);
}

/** `dependents`: the installed plugins whose manifests name this one (plugin-dependencies.ts dependentsIndex). */
export function toSummary(record: PluginRecord, dependents: readonly string[] = []): PluginSummary {
  const { scan } = record;
  const ui = scan.ui;
  const summary: PluginSummary = {
    id: scan.id,
    name: scan.manifest?.name ?? scan.id,
    version: scan.manifest?.version ?? '',
    display_name: pluginDisplayName({ name: scan.id, manifest: scan.manifest, ui }),
    description: scan.manifest?.description ?? '',
    state: record.state,
    scope: scan.scope,
    ui: {
      has_page: ui.has_page === true,
      show_in_menu: ui.show_in_menu === true,
      api_prefix: apiPrefixOfRecord(record),
      widgets: ui.widgets?.length ?? 0,
    },
    dependencies: { ...(scan.manifest?.dependencies ?? {}) },
    dependents: [...dependents],
  };
  if (ui.page_title !== undefined) summary.ui.page_title = ui.page_title;
  if (ui.page_icon !== undefined) summary.ui.page_icon = ui.page_icon;
  if (ui.menu_group !== undefined) summary.ui.menu_group = ui.menu_group;
  if (ui.menu_order !== undefined) summary.ui.menu_order = ui.menu_order;
  if (record.state === 'error' && record.error) summary.error = { reason: record.error.reason, at: record.error.at };
  if (record.state === 'loading' && record.statusReason) summary.status_reason = record.statusReason;
  if (record.signature) summary.signature = record.signature;
  return summary;
}

/** The plugin's code is running and registered ctx.page. */
export function runsPageHandler(record: PluginRecord): boolean {
  return record.state === 'active' && record.host?.hasPage === true;
}

/** `page` is pageSourceOf(record): what GET /page would serve now. */
export function toDetails(record: PluginRecord, page: PageSource, dependents: readonly string[] = []): PluginDetails {
  const { host } = record;
  const prefix = apiPrefixOfRecord(record);
  const details: PluginDetails = {
    ...toSummary(record, dependents),
    manifest: record.scan.manifest,
    ui_config: record.scan.ui,
    issues: record.scan.issues.map(formatIssue),
    routes: (host?.routes ?? []).map((route) => ({ ...route, url: `/api/v1/plugins/${prefix}${route.path}` })),
    actions: [...(host?.actions ?? [])],
    has_page_handler: runsPageHandler(record),
    // A page is served only while its plugin is active (routes/plugins.ts), so it is available only then.
    page_available: page.unavailable === undefined && record.state === 'active',
    subscriptions: [...(host?.subscriptions ?? [])],
  };
  if (record.loadedAt && record.state === 'active') details.loaded_at = record.loadedAt;
  return details;
}
