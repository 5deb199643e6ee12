import { Type, type Static } from 'typebox';
import { PageManifest, PageNegotiation } from '../page-manifest.js';
import { ENV_NAME_PATTERN, PermissionSet } from '../permissions.js';
import { UiWidget } from '../ui-config.js';
import { PLUGIN_OPERATIONS } from '../operations.js';
import { InstalledSignature } from '../signature.js';
import { ManifestData, UiData } from './embedded.js';
import { PluginVersionState } from './versions.js';

/** Payloads of the backend's plugin management API (/api/v1/plugins, /api/v1/actions). */

export const PLUGIN_STATES = ['discovered', 'loading', 'active', 'error', 'disabled'] as const;
export const PluginState = Type.Enum(PLUGIN_STATES);
export type PluginState = Static<typeof PluginState>;

export { PLUGIN_OPERATIONS };
export const PluginOperation = Type.Enum(PLUGIN_OPERATIONS);
export type PluginOperation = Static<typeof PluginOperation>;

/** builtin: shipped with the backend; external: installed; dev: sent by `oko-plugin dev`, alive while its lease holds. */
export const PluginScope = Type.Union([Type.Literal('builtin'), Type.Literal('external'), Type.Literal('dev')]);
export type PluginScope = Static<typeof PluginScope>;

export const PluginErrorInfo = Type.Object({
  reason: Type.String({ description: 'Why the plugin is in state error' }),
  at: Type.String({ description: 'ISO time' }),
});
export type PluginErrorInfo = Static<typeof PluginErrorInfo>;

export const PluginUiSummary = Type.Object({
  has_page: Type.Boolean(),
  show_in_menu: Type.Boolean(),
  page_title: Type.Optional(Type.String()),
  page_icon: Type.Optional(Type.String()),
  menu_group: Type.Optional(Type.String()),
  menu_order: Type.Optional(Type.Integer()),
  api_prefix: Type.String(),
  widgets: Type.Integer({ description: 'Number of widgets' }),
});
export type PluginUiSummary = Static<typeof PluginUiSummary>;

export const PluginSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String({ description: "manifest.json version; '' when the manifest is unreadable" }),
  display_name: Type.Optional(
    Type.String({
      description: 'manifest display_name, else ui.yaml page_title, else the id (pluginDisplayName); always set by a current backend',
    }),
  ),
  description: Type.String(),
  state: PluginState,
  scope: PluginScope,
  error: Type.Optional(PluginErrorInfo),
  status_reason: Type.Optional(
    Type.String({ description: "Why the plugin is in its state when that is no error, e.g. 'restart 2 of 3' while loading after a crash" }),
  ),
  ui: PluginUiSummary,
  /** Always set by the backend; optional in the schema so older answers still parse. */
  signature: Type.Optional(
    Type.Object(InstalledSignature.properties, {
      description:
        'The signature as this dashboard judges it: valid (key_name of the trusted key), untrusted, invalid, unsigned, modified (reason)',
    }),
  ),
  /** Set by the backend for installed (external) plugins; optional so older answers still parse. */
  versions: Type.Optional(PluginVersionState),
  dependencies: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'manifest.json dependencies (name → range)' })),
  dependents: Type.Optional(Type.Array(Type.String(), { description: 'Installed plugins whose dependencies name this one' })),
});
export type PluginSummary = Static<typeof PluginSummary>;

export const PluginList = Type.Object({ plugins: Type.Array(PluginSummary), total: Type.Integer() });
export type PluginList = Static<typeof PluginList>;

export const RegisteredRoute = Type.Object({
  method: Type.String(),
  path: Type.String(),
  url: Type.String({ description: 'Full path under /api/v1/plugins' }),
});
export type RegisteredRoute = Static<typeof RegisteredRoute>;

export const PluginDetails = Type.Object({
  ...PluginSummary.properties,
  manifest: Type.Union([ManifestData, Type.Null()], { description: 'null when manifest.json is invalid' }),
  ui_config: UiData,
  issues: Type.Array(Type.String(), { description: 'Problems found in manifest.json / ui.yaml' }),
  loaded_at: Type.Optional(Type.String()),
  routes: Type.Array(RegisteredRoute),
  actions: Type.Array(Type.String()),
  has_page_handler: Type.Boolean({ description: 'The running code registered ctx.page' }),
  page_available: Type.Boolean({
    description: 'GET /plugins/{id}/page serves a page now: ui.yaml has_page, and a ctx.page handler or static/index.html',
  }),
  subscriptions: Type.Array(Type.String()),
  permissions: Type.Optional(
    Type.Object(
      {
        declared: Type.Object(PermissionSet.properties, { description: 'manifest.json `permissions` as on disk now' }),
        granted: Type.Object(PermissionSet.properties, {
          description: "What the plugin's process gets: the approved set, never more than declared",
        }),
        recorded: Type.Boolean({
          description: 'false: no grant was recorded (copied in by hand, or installed before grants), so the declared set applies',
        }),
      },
      { description: 'Only in GET /plugins/{id}' },
    ),
  ),
});
export type PluginDetails = Static<typeof PluginDetails>;

export const PluginEnvVariable = Type.Object({
  name: Type.String(),
  set: Type.Boolean({ description: 'An admin entered a value (values are never sent back)' }),
});

/** GET/PUT /plugins/{id}/env: the env names a plugin declares and which have a value. */
export const PluginEnvAnswer = Type.Object({
  plugin_id: Type.String(),
  variables: Type.Array(PluginEnvVariable),
  message: Type.String({ description: 'Values apply on the plugin’s next load' }),
});
export type PluginEnvAnswer = Static<typeof PluginEnvAnswer>;

/** PUT /plugins/{id}/env: a value per declared name; null or '' removes the value. */
export const PluginEnvUpdate = Type.Object(
  {
    values: Type.Record(Type.String({ pattern: ENV_NAME_PATTERN }), Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]), {
      maxProperties: 50,
    }),
  },
  { additionalProperties: false },
);
export type PluginEnvUpdate = Static<typeof PluginEnvUpdate>;

export const ActionInfo = Type.Object({ type: Type.String(), capability: Type.String(), plugin_id: Type.String() });
export type ActionInfo = Static<typeof ActionInfo>;

export const ActionRegistry = Type.Object({ actions: Type.Array(ActionInfo), total: Type.Integer() });
export type ActionRegistry = Static<typeof ActionRegistry>;

export const MenuEntry = Type.Object({
  plugin_id: Type.String(),
  title: Type.String(),
  icon: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
  order: Type.Integer(),
  path: Type.String({ description: 'Dashboard route of the plugin page' }),
});
export type MenuEntry = Static<typeof MenuEntry>;

export const RegistryWidget = Type.Object({ ...UiWidget.properties, plugin_id: Type.String() }, { additionalProperties: true });
export type RegistryWidget = Static<typeof RegistryWidget>;

/** What active plugins contribute to the dashboard right now. */
export const PluginRegistry = Type.Object({
  capabilities: Type.Array(Type.Object({ capability: Type.String(), plugin_id: Type.String() })),
  actions: Type.Array(ActionInfo),
  menu: Type.Array(MenuEntry),
  widgets: Type.Array(RegistryWidget),
});
export type PluginRegistry = Static<typeof PluginRegistry>;

export const ActionExecuteRequest = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 200, description: "Action type, e.g. 'my_plugin.action'" }),
  capability: Type.String({ minLength: 1, maxLength: 200, description: "Must be 'exec.' + type and declared by the plugin" }),
  payload: Type.Optional(Type.Unknown()),
  requested_at: Type.Optional(Type.String({ maxLength: 64 })),
});
export type ActionExecuteRequest = Static<typeof ActionExecuteRequest>;

export const ActionExecuteAnswer = Type.Object({
  type: Type.String(),
  plugin_id: Type.String(),
  result: Type.Unknown(),
  executed_at: Type.String(),
  duration_ms: Type.Number(),
});
export type ActionExecuteAnswer = Static<typeof ActionExecuteAnswer>;

export const PageManifestAnswer = Type.Object({
  plugin_id: Type.String(),
  manifest: Type.Object(PageManifest.properties, { additionalProperties: true }),
  negotiation: PageNegotiation,
});
export type PageManifestAnswer = Static<typeof PageManifestAnswer>;

export const BackendInfo = Type.Object({
  version: Type.String(),
  plugins_dir: Type.String(),
  builtin_plugins_dir: Type.Union([Type.String(), Type.Null()]),
  data_dir: Type.String(),
  store_url: Type.String(),
  node: Type.String({ description: 'Node.js version' }),
  plugin_api_version: Type.String({
    description:
      "The plugin API this dashboard offers: manifests' engines.oko and page manifests' plugin_api_version are checked against it",
  }),
});
export type BackendInfo = Static<typeof BackendInfo>;
