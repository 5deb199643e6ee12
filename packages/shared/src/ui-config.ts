import { Type, type Static } from 'typebox';
import { parseBoundedYaml } from './bounded-parse.js';
import { reservedNameProblem } from './reserved-names.js';
import { checkSchema, type ValidationIssue, type ValidationResult } from './validation.js';

export const UI_CONFIG_FILE = 'ui.yaml';
export const API_PREFIX_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';

export const UiWidget = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    endpoint: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: true },
);

/** ui.yaml: how the plugin appears in the dashboard (docs/architecture.md#plugin-package). */
export const UiConfig = Type.Object(
  {
    has_page: Type.Optional(Type.Boolean()),
    page_title: Type.Optional(Type.String({ maxLength: 200 })),
    page_icon: Type.Optional(Type.String({ maxLength: 100 })),
    show_in_menu: Type.Optional(Type.Boolean()),
    menu_group: Type.Optional(Type.String({ maxLength: 100 })),
    menu_order: Type.Optional(Type.Integer()),
    api_prefix: Type.Optional(Type.String({ pattern: API_PREFIX_PATTERN })),
    required_permissions: Type.Optional(
      Type.Array(Type.String({ maxLength: 200 }), {
        maxItems: 100,
        deprecated: true,
        description: 'Deprecated and ignored: declare `permissions` in manifest.json instead',
      }),
    ),
    widgets: Type.Optional(Type.Array(UiWidget, { maxItems: 50 })),
  },
  { $id: 'UiConfig', additionalProperties: true, description: 'ui.yaml of a plugin package' },
);
export type UiConfig = Static<typeof UiConfig>;

/** The API prefix a plugin's routes live under: ui.yaml's `api_prefix`, else its name with `-` for `_`. */
export function apiPrefixOf(pluginName: string, ui?: UiConfig | null): string {
  return ui?.api_prefix ?? pluginName.replace(/_/g, '-');
}

export function validateUiConfig(data: unknown): ValidationResult<UiConfig> {
  if (data === null || data === undefined) return { ok: true, value: {}, issues: [] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, issues: [{ file: UI_CONFIG_FILE, path: '', message: 'must be a YAML mapping' }] };
  }
  const issues = checkSchema(UiConfig, data, UI_CONFIG_FILE);
  const prefix = (data as { api_prefix?: unknown }).api_prefix;
  const reserved = typeof prefix === 'string' ? reservedNameProblem(prefix) : undefined;
  if (reserved) issues.push({ file: UI_CONFIG_FILE, path: 'api_prefix', message: reserved });
  const warnings = uiConfigWarnings(data as UiConfig);
  return issues.length > 0 ? { ok: false, issues, warnings } : { ok: true, value: data as UiConfig, issues: [], warnings };
}

export const REQUIRED_PERMISSIONS_DEPRECATED =
  'deprecated and ignored: declare what the plugin needs in manifest.json `permissions` (network, listen, env, read)';

/** What a ui.yaml may still hold but should not: accepted, reported. */
export function uiConfigWarnings(ui: UiConfig | null | undefined): ValidationIssue[] {
  return ui?.required_permissions !== undefined
    ? [{ file: UI_CONFIG_FILE, path: 'required_permissions', message: REQUIRED_PERMISSIONS_DEPRECATED }]
    : [];
}

/**
 * Every path segment a plugin answers under /api/v1/plugins: its name, the name with `-` for `_`
 * and its API prefix. Two installed plugins may share none of them (the backend refuses both).
 */
export function pluginPathNames(pluginName: string, ui?: UiConfig | null): Set<string> {
  return new Set([pluginName, apiPrefixOf(pluginName), apiPrefixOf(pluginName, ui)]);
}

/** The first path name `pluginName` would share with another plugin, or undefined. */
export function sharedPathName(
  pluginName: string,
  ui: UiConfig | null | undefined,
  others: Iterable<{ name: string; ui?: UiConfig | null }>,
): { name: string; other: string } | undefined {
  const mine = pluginPathNames(pluginName, ui);
  for (const other of others) {
    if (other.name === pluginName) continue;
    const shared = [...pluginPathNames(other.name, other.ui)].find((name) => mine.has(name));
    if (shared) return { name: shared, other: other.name };
  }
  return undefined;
}

/** Parses ui.yaml text within the metadata bounds (size, depth, no aliases); never throws. */
export function parseUiConfig(text: string): ValidationResult<UiConfig> {
  const parsed = parseBoundedYaml(text, UI_CONFIG_FILE);
  return parsed.ok ? validateUiConfig(parsed.data) : parsed;
}
