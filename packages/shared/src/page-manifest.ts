import semver from 'semver';
import { Type, type Static } from 'typebox';
import { CAPABILITY_PATTERN, isSafeRelativePath, type PluginManifest } from './manifest.js';
import { parseBoundedYaml } from './bounded-parse.js';
import { apiPrefixOf, type UiConfig } from './ui-config.js';
import { checkSchema, type ValidationIssue } from './validation.js';
import { pageApiProblem } from './versions.js';

/**
 * page_manifest.yaml: a plugin's page described as data, drawn by the dashboard's own components
 * (docs/architecture.md#page-manifests). Unknown component types pass validation on purpose: a newer plugin
 * on an older dashboard shows those components as unsupported instead of losing its whole page.
 */
export const PAGE_MANIFEST_FILE = 'page_manifest.yaml';
/** The major `manifest_version` this dashboard understands. */
export const PAGE_MANIFEST_MAJOR = 1;

export const PAGE_LAYOUTS = ['content-only', 'with-sidebar', 'dashboard', 'split-view'] as const;
export type PageLayout = (typeof PAGE_LAYOUTS)[number];
export const RENDERERS = ['universal', 'custom'] as const;

const Capability = Type.String({ pattern: CAPABILITY_PATTERN, maxLength: 200 });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Label = Type.String({ maxLength: 200 });

/** Where a component gets data: an HTTP endpoint (of the plugin's own API prefix) or an action. */
export const PageDataSource = Type.Object(
  {
    type: Type.Union([Type.Literal('http'), Type.Literal('action')]),
    method: Type.Optional(Type.Union([Type.Literal('GET'), Type.Literal('POST')])),
    endpoint: Type.Optional(Type.String({ maxLength: 500 })),
    response_path: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(Type.String({ maxLength: 200 })),
    capability: Type.Optional(Capability),
    payload: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type PageDataSource = Static<typeof PageDataSource>;

export const PageComponent = Type.Object(
  {
    id: Id,
    type: Type.String({ minLength: 1, maxLength: 64 }),
    title: Type.Optional(Label),
    text: Type.Optional(Type.String({ maxLength: 10_000 })),
    columns: Type.Optional(
      Type.Array(Type.Object({ key: Type.String({ maxLength: 100 }), label: Label }, { additionalProperties: true }), { maxItems: 50 }),
    ),
    groupBy: Type.Optional(
      Type.Array(Type.Object({ field: Type.String({ maxLength: 100 }), label: Type.Optional(Label), emptyLabel: Type.Optional(Label) }), {
        maxItems: 5,
      }),
    ),
    dataSource: Type.Optional(PageDataSource),
    capability: Type.Optional(Capability),
    loadingText: Type.Optional(Label),
    emptyText: Type.Optional(Label),
    errorText: Type.Optional(Label),
  },
  { additionalProperties: true },
);
export type PageComponent = Static<typeof PageComponent>;

export const SidebarAction = Type.Object(
  {
    id: Id,
    title: Label,
    icon: Type.Optional(Type.String({ maxLength: 100 })),
    route: Type.Optional(Type.String({ maxLength: 500 })),
    capability: Type.Optional(Capability),
  },
  { additionalProperties: true },
);

export const DashboardIndicator = Type.Object(
  {
    id: Id,
    widget: Type.Object(
      {
        type: Type.String({ minLength: 1, maxLength: 64 }),
        title: Type.Optional(Label),
        endpoint: Type.Optional(Type.String({ maxLength: 500 })),
        value_path: Type.Optional(Type.String({ maxLength: 200 })),
        capability: Type.Optional(Capability),
      },
      { additionalProperties: true },
    ),
    alwaysVisible: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const PageManifest = Type.Object(
  {
    plugin_id: Type.String({ minLength: 1, maxLength: 64 }),
    manifest_version: Type.String({ minLength: 1, maxLength: 20 }),
    plugin_api_version: Type.Optional(Type.String({ maxLength: 20 })),
    capabilities: Type.Optional(Type.Array(Capability, { maxItems: 200 })),
    page: Type.Object(
      {
        enabled: Type.Boolean(),
        title: Type.Optional(Label),
        layout: Type.Enum([...PAGE_LAYOUTS]),
        sidebarActions: Type.Optional(Type.Array(SidebarAction, { maxItems: 50 })),
        components: Type.Array(PageComponent, { maxItems: 200 }),
      },
      { additionalProperties: true },
    ),
    dashboard: Type.Optional(
      Type.Object({ indicators: Type.Optional(Type.Array(DashboardIndicator, { maxItems: 50 })) }, { additionalProperties: true }),
    ),
    frontend: Type.Optional(
      Type.Object({
        renderer: Type.Enum([...RENDERERS]),
        customBundle: Type.Optional(
          Type.Object({
            enabled: Type.Boolean(),
            entry: Type.String({ minLength: 1, maxLength: 200 }),
            integrity: Type.String({ pattern: '^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$' }),
          }),
        ),
      }),
    ),
  },
  { additionalProperties: true, description: 'page_manifest.yaml of a plugin' },
);
export type PageManifest = Static<typeof PageManifest>;

export const PageNegotiation = Type.Object({
  accepted: Type.Boolean({ description: "The plugin's own page manifest is used" }),
  fallback_used: Type.Boolean({ description: 'A disabled fallback page is used instead' }),
  reason: Type.String(),
  errors: Type.Array(Type.Object({ file: Type.String(), path: Type.String(), message: Type.String() })),
});
export type PageNegotiation = Static<typeof PageNegotiation>;

export interface NegotiatedPageManifest {
  manifest: PageManifest;
  negotiation: PageNegotiation;
}

/** The page a plugin gets when its own page manifest cannot be used: disabled, with nothing on it. */
export function fallbackPageManifest(pluginId: string, reason: string, errors: ValidationIssue[] = []): NegotiatedPageManifest {
  return {
    manifest: {
      plugin_id: pluginId,
      manifest_version: '1.0',
      page: { enabled: false, layout: 'content-only', components: [] },
      frontend: { renderer: 'universal' },
    },
    negotiation: { accepted: false, fallback_used: true, reason, errors },
  };
}

/** Every capability the page, its components, sidebar actions and indicators refer to. */
function capabilitiesUsed(manifest: PageManifest): Array<{ path: string; capability: string }> {
  const used: Array<{ path: string; capability: string }> = [];
  const add = (path: string, capability: unknown) => {
    if (typeof capability === 'string') used.push({ path, capability });
  };
  manifest.page.components.forEach((component, i) => {
    add(`page.components.${i}.capability`, component.capability);
    add(`page.components.${i}.dataSource.capability`, component.dataSource?.capability);
  });
  manifest.page.sidebarActions?.forEach((action, i) => add(`page.sidebarActions.${i}.capability`, action.capability));
  manifest.dashboard?.indicators?.forEach((indicator, i) =>
    add(`dashboard.indicators.${i}.widget.capability`, indicator.widget.capability),
  );
  return used;
}

/** Every HTTP endpoint the page and its indicators fetch. */
function endpointsUsed(manifest: PageManifest): Array<{ path: string; endpoint: string }> {
  const used: Array<{ path: string; endpoint: string }> = [];
  manifest.page.components.forEach((component, i) => {
    const endpoint = component.dataSource?.endpoint;
    if (endpoint !== undefined) used.push({ path: `page.components.${i}.dataSource.endpoint`, endpoint });
  });
  manifest.dashboard?.indicators?.forEach((indicator, i) => {
    const endpoint = indicator.widget.endpoint;
    if (endpoint !== undefined) used.push({ path: `dashboard.indicators.${i}.widget.endpoint`, endpoint });
  });
  return used;
}

/**
 * The dashboard fetches these endpoints with the user's session, so a page may only read its own
 * plugin's API: no other plugin's routes, no store or lifecycle endpoints, no other origin.
 */
export function isOwnPluginEndpoint(endpoint: string, apiPrefix: string): boolean {
  const own = `/api/v1/plugins/${apiPrefix}/`;
  const pathPart = endpoint.split('?')[0] ?? '';
  if (!pathPart.startsWith(own) || pathPart.includes('\\') || pathPart.includes('%')) return false;
  return pathPart.split('/').every((segment) => segment !== '..' && segment !== '.');
}

/** Checks beyond the schema: identity, version, capabilities, endpoints, bundle entry. */
function semanticIssues(
  manifest: PageManifest,
  plugin: PluginManifest,
  apiPrefix: string,
): { issues: ValidationIssue[]; incompatible: boolean } {
  const issue = (path: string, message: string): ValidationIssue => ({ file: PAGE_MANIFEST_FILE, path, message });
  const issues: ValidationIssue[] = [];
  let incompatible = false;
  if (manifest.plugin_id !== plugin.name) issues.push(issue('plugin_id', `must equal the plugin's name '${plugin.name}'`));
  const version = semver.coerce(manifest.manifest_version);
  if (!version || version.major !== PAGE_MANIFEST_MAJOR) {
    incompatible = true;
    issues.push(
      issue('manifest_version', `version ${manifest.manifest_version} is not supported (major ${PAGE_MANIFEST_MAJOR} understood)`),
    );
  }
  const declaredHere = new Set(manifest.capabilities ?? []);
  const declaredByPlugin = new Set(plugin.capabilities ?? []);
  (manifest.capabilities ?? []).forEach((capability, i) => {
    if (!declaredByPlugin.has(capability)) issues.push(issue(`capabilities.${i}`, `'${capability}' is not declared in manifest.json`));
  });
  for (const { path, capability } of capabilitiesUsed(manifest)) {
    if (!declaredHere.has(capability)) issues.push(issue(path, `uses capability '${capability}' that is not declared in capabilities`));
  }
  for (const { path, endpoint } of endpointsUsed(manifest)) {
    if (!isOwnPluginEndpoint(endpoint, apiPrefix))
      issues.push(issue(path, `must be an endpoint of the plugin's own API (/api/v1/plugins/${apiPrefix}/...)`));
  }
  const bundle = manifest.frontend?.customBundle;
  if (manifest.frontend?.renderer === 'custom' && !bundle?.enabled)
    issues.push(issue('frontend.customBundle', 'renderer custom needs an enabled customBundle'));
  if (bundle && !isSafeRelativePath(bundle.entry))
    issues.push(issue('frontend.customBundle.entry', 'must be a relative path inside the plugin folder'));
  return { issues, incompatible };
}

/**
 * Decides which page a plugin gets: its own page manifest when it is valid and compatible, else a
 * disabled fallback with the reason and every problem. Never throws, so a bad page never breaks
 * the plugin. `text` is the file's content, or null when the plugin has none; `ui` (ui.yaml) gives
 * the plugin's API prefix, which every endpoint the page fetches must stay under.
 */
export function negotiatePageManifest(text: string | null, plugin: PluginManifest, ui?: UiConfig | null): NegotiatedPageManifest {
  if (text === null) return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} not found; the plugin has no declared page`);
  const parsed = parseBoundedYaml(text, PAGE_MANIFEST_FILE);
  if (!parsed.ok) return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} is invalid`, parsed.issues);
  const data = parsed.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} is invalid`, [
      { file: PAGE_MANIFEST_FILE, path: '', message: 'must be a YAML mapping' },
    ]);
  }
  const schemaIssues = checkSchema(PageManifest, data, PAGE_MANIFEST_FILE);
  if (schemaIssues.length > 0) return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} is invalid`, schemaIssues);
  const manifest = data as PageManifest;
  // Written for a plugin API this dashboard does not offer: refused like an invalid file, so the fallback page shows why.
  const apiProblem = pageApiProblem(manifest.plugin_api_version);
  if (apiProblem)
    return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} plugin_api_version is incompatible: ${apiProblem}`, [
      { file: PAGE_MANIFEST_FILE, path: 'plugin_api_version', message: apiProblem },
    ]);
  const { issues, incompatible } = semanticIssues(manifest, plugin, apiPrefixOf(plugin.name, ui));
  if (incompatible)
    return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} manifest_version ${manifest.manifest_version} is incompatible`, issues);
  if (issues.length > 0) return fallbackPageManifest(plugin.name, `${PAGE_MANIFEST_FILE} is invalid`, issues);
  return { manifest, negotiation: { accepted: true, fallback_used: false, reason: 'page manifest accepted', errors: [] } };
}
