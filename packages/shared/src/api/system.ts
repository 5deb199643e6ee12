import { Type, type Static } from 'typebox';
import { SIGNATURE_POLICIES } from '../signature.js';
import { StoreHealthReport } from './dashboard-store.js';

/**
 * The backend's runtime configuration as an admin sees it (Settings tab) and its server-side
 * settings: GET /api/v1/system/config and PUT /api/v1/system/settings.
 */

/** Settings an admin changes at run time, kept in OKO_DATA_DIR/settings.json, for every browser at once. */
export const RuntimeSettings = Type.Object(
  {
    custom_bundles_enabled: Type.Boolean({
      description: 'false: every plugin page falls back to the universal renderer (the custom-bundle kill switch)',
    }),
  },
  { additionalProperties: false },
);
export type RuntimeSettings = Static<typeof RuntimeSettings>;

export const RuntimeSettingsUpdate = Type.Partial(RuntimeSettings, { additionalProperties: false });
export type RuntimeSettingsUpdate = Static<typeof RuntimeSettingsUpdate>;

export const RuntimeConfig = Type.Object({
  version: Type.String(),
  node: Type.String(),
  plugin_api_version: Type.String(),
  store: Type.Object({
    // /store/health's report, with its `store` named `health` here.
    url: StoreHealthReport.properties.url,
    available: StoreHealthReport.properties.available,
    response_time_ms: StoreHealthReport.properties.response_time_ms,
    reason: StoreHealthReport.properties.reason,
    health: StoreHealthReport.properties.store,
    token_configured: Type.Boolean({ description: 'OKO_STORE_TOKEN is set (its value is never shown)' }),
    api_key_configured: Type.Boolean({ description: 'OKO_STORE_API_KEY is set (its value is never shown)' }),
  }),
  folders: Type.Object({
    plugins_dir: Type.String(),
    builtin_plugins_dir: Type.Union([Type.String(), Type.Null()]),
    data_dir: Type.String(),
    trusted_keys_dir: Type.Union([Type.String(), Type.Null()]),
  }),
  limits: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]), {
    description: 'Each limit in force by its variable name, e.g. OKO_PLUGIN_MEMORY_MB: 128',
  }),
  policies: Type.Object({
    signature_policy: Type.Enum(SIGNATURE_POLICIES),
    sign_in: Type.Boolean({ description: 'Sign-in is on' }),
    dev_plugins: Type.Optional(Type.Boolean()),
    update_check_interval_s: Type.Integer(),
    update_health_window_s: Type.Integer(),
  }),
  settings: RuntimeSettings,
});
export type RuntimeConfig = Static<typeof RuntimeConfig>;
