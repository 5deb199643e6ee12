import { Type, type Static } from 'typebox';
import { PermissionSet } from '../permissions.js';
import { InstalledSignature } from '../signature.js';
import { PluginScope, PluginState, PluginSummary } from './plugins.js';
import { ExpectedVersion, LastUpdate } from './versions.js';
import {
  CatalogEntry,
  CatalogRef,
  CatalogSummary,
  STORE_DEFAULT_PER_PAGE,
  STORE_MAX_PAGE,
  STORE_MAX_PER_PAGE,
  StorePluginListQuery,
  UploadResult,
} from './store.js';
import { StoreHealth } from './store-system.js';

/**
 * Payloads of the dashboard backend's /api/v1/store: the store's catalog as one dashboard sees it,
 * install, update and uninstall, and uploads relayed to the store. The store's own payloads are in
 * api/store.ts; these build on them.
 */

export const StorePluginParams = Type.Object({ plugin_id: CatalogRef });
export type StorePluginParams = Static<typeof StorePluginParams>;

/** The store's query, passed on as given: the store applies the defaults, so none are filled in here. */
export const StoreListQuery = Type.Object({
  q: StorePluginListQuery.properties.q,
  all_versions: Type.Optional(Type.Boolean({ description: 'Default false: one entry per plugin name' })),
  tag: StorePluginListQuery.properties.tag,
  sort: StorePluginListQuery.properties.sort,
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: STORE_MAX_PAGE, description: 'Default 1' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: STORE_MAX_PER_PAGE, description: `Default ${STORE_DEFAULT_PER_PAGE}` })),
});
export type StoreListQuery = Static<typeof StoreListQuery>;

/**
 * A catalog entry as the backend passes it on: id, name and version always, the rest as the store
 * sent it. Extra fields are kept, so a newer store's fields reach the UI without a backend change.
 */
export const RelayedCatalogEntry = Type.Object(
  {
    ...Type.Partial(CatalogEntry).properties,
    id: CatalogEntry.properties.id,
    name: CatalogEntry.properties.name,
    version: CatalogEntry.properties.version,
  },
  { additionalProperties: true },
);
export type RelayedCatalogEntry = Static<typeof RelayedCatalogEntry>;

/** What this backend has installed under the same plugin name as a catalog entry. */
const InstallState = {
  installed: Type.Boolean({ description: 'Installed in this backend (matched by plugin name)' }),
  installed_version: Type.Union([Type.String(), Type.Null()]),
  installed_state: Type.Union([PluginState, Type.Null()], { description: 'Backend state: discovered, active, …' }),
  update_available: Type.Boolean({
    description: 'Installed (not builtin) and this catalog version is semver-greater than the installed one',
  }),
};

/** A catalog entry with what this backend has installed under the same plugin name. */
export const StorePluginView = Type.Object({ ...RelayedCatalogEntry.properties, ...InstallState }, { additionalProperties: true });
export type StorePluginView = Static<typeof StorePluginView>;

/**
 * A list item of GET /store: the store's summary with the install state, as loose as
 * RelayedCatalogEntry about which fields come, but cut to the summary's fields (by the backend,
 * see catalogSummaryOf). GET /store/{id} has the whole entry.
 */
export const StorePluginSummaryView = Type.Object({
  ...Type.Partial(CatalogSummary).properties,
  id: CatalogSummary.properties.id,
  name: CatalogSummary.properties.name,
  version: CatalogSummary.properties.version,
  ...InstallState,
});
export type StorePluginSummaryView = Static<typeof StorePluginSummaryView>;

/** GET /store: one page of the catalog; `available: false` with a reason when the store does not answer. */
export const StoreListing = Type.Object({
  available: Type.Boolean(),
  plugins: Type.Array(StorePluginSummaryView),
  total: Type.Integer({ description: 'Matching plugins over all pages' }),
  page: Type.Integer({ description: 'The page these plugins are (1-based)' }),
  per_page: Type.Integer({ description: 'Page size the store used' }),
  reason: Type.Optional(Type.String({ description: 'Why the store is unavailable' })),
});
export type StoreListing = Static<typeof StoreListing>;

/**
 * What the store's own /health said, as the backend relays it: the version and size, and, from a
 * store that reports them, whether it is degraded and why, whether it refuses writes, and whether
 * its PostgreSQL and package bucket answer. A field the store did not send, or sent in another
 * shape, is left out.
 */
export const StoreHealthSummary = Type.Object({
  version: StoreHealth.properties.version,
  plugins_count: StoreHealth.properties.plugins_count,
  status: Type.Optional(StoreHealth.properties.status),
  reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why the store says it is degraded' })),
  read_only: Type.Optional(StoreHealth.properties.read_only),
  database: StoreHealth.properties.database,
  blob_store: StoreHealth.properties.blob_store,
});
export type StoreHealthSummary = Static<typeof StoreHealthSummary>;

export const StoreHealthReport = Type.Object({
  available: Type.Boolean(),
  url: Type.String({ description: 'OKO_STORE_URL' }),
  response_time_ms: Type.Integer(),
  store: Type.Optional(StoreHealthSummary),
  reason: Type.Optional(
    Type.String({ description: 'Why the store did not answer (available: false), without the URL, which `url` names' }),
  ),
});
export type StoreHealthReport = Static<typeof StoreHealthReport>;

/** The installed plugin after an install or update. */
export const InstalledPluginInfo = Type.Object({
  id: PluginSummary.properties.id,
  name: PluginSummary.properties.name,
  version: PluginSummary.properties.version,
  state: PluginState,
  scope: PluginScope,
});
export type InstalledPluginInfo = Static<typeof InstalledPluginInfo>;

/** What an install or update adds about the package's signature (README "Signatures and trust"). */
const SignatureNotes = {
  signature: Type.Optional(InstalledSignature),
  warning: Type.Optional(
    Type.String({ description: 'Under OKO_SIGNATURE_POLICY=warn: the package is unsigned or signed by an untrusted key' }),
  ),
};

const GrantedNow = Type.Object(PermissionSet.properties, { description: 'What the plugin is granted now (manifest.json `permissions`)' });

export const InstallAnswer = Type.Object({
  status: Type.Literal('installed'),
  plugin: InstalledPluginInfo,
  permissions: Type.Optional(GrantedNow),
  ...SignatureNotes,
  dependencies_installed: Type.Optional(
    Type.Array(InstalledPluginInfo, { description: 'Dependencies installed first, with {"accept_dependencies": true}' }),
  ),
  message: Type.String(),
});
export type InstallAnswer = Static<typeof InstallAnswer>;

export const UpdateAnswer = Type.Object({
  status: Type.Literal('updated'),
  plugin: InstalledPluginInfo,
  previous_version: Type.String({ description: 'The version that was installed before' }),
  permissions: Type.Optional(GrantedNow),
  ...SignatureNotes,
  last_update: Type.Optional(LastUpdate),
  dependencies_installed: Type.Optional(Type.Array(InstalledPluginInfo)),
  message: Type.String({ description: 'Says so when the new version was active before and failed to load (it is then rolled back)' }),
});
export type UpdateAnswer = Static<typeof UpdateAnswer>;

/**
 * The optional body of POST /store/{id}/update. Without `accept_permissions: true`, a version that
 * asks for more than the plugin was granted is refused with 409 PERMISSIONS_CHANGED naming each
 * addition; with it, calling is consent and the new set is granted.
 */
export const UpdateRequest = Type.Object(
  {
    accept_permissions: Type.Optional(Type.Boolean({ description: 'Grant what the new version adds' })),
    allow_downgrade: Type.Optional(Type.Boolean({ description: 'Move to an older version (else 409 DOWNGRADE)' })),
    accept_dependencies: Type.Optional(Type.Boolean({ description: 'Install the missing dependencies the new version needs' })),
    expect: Type.Optional(ExpectedVersion),
  },
  { additionalProperties: false },
);
export type UpdateRequest = Static<typeof UpdateRequest>;

export const UninstallAnswer = Type.Object({
  status: Type.Literal('uninstalled'),
  plugin: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() }),
  message: Type.String(),
});
export type UninstallAnswer = Static<typeof UninstallAnswer>;

/** The store's UploadResult as the backend relays it, with the entry as loose as RelayedCatalogEntry. */
export const StoreUploadAnswer = Type.Object({ ...UploadResult.properties, plugin: RelayedCatalogEntry }, { additionalProperties: true });
export type StoreUploadAnswer = Static<typeof StoreUploadAnswer>;
