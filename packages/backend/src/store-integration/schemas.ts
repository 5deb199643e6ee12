import { STORE_DEFAULT_PER_PAGE, STORE_MAX_PAGE, STORE_MAX_PER_PAGE } from '@oko/shared';
import { Type, type Static } from 'typebox';

/**
 * Payloads of /api/v1/store. One schema each: Fastify validates with it, TypeScript takes its
 * type from it and the OpenAPI page shows it. Catalog entries keep every field the store sends
 * (additionalProperties), so a newer store's fields reach the UI without a backend change.
 */

export const StorePluginParams = Type.Object({
  // The store's own rule for ids and names: refused here, before a `..` could become a path on the store.
  plugin_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Store catalog id, or the plugin name' }),
});
export type StorePluginParams = Static<typeof StorePluginParams>;

export const StoreListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Search in name, description, author, tags' })),
  tag: Type.Optional(Type.String({ maxLength: 50 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: STORE_MAX_PAGE, description: 'Default 1' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: STORE_MAX_PER_PAGE, description: `Default ${STORE_DEFAULT_PER_PAGE}` })),
});
export type StoreListQuery = Static<typeof StoreListQuery>;

const InstallState = {
  installed: Type.Boolean({ description: 'Installed in this backend (matched by plugin name)' }),
  installed_version: Type.Union([Type.String(), Type.Null()]),
  installed_state: Type.Union([Type.String(), Type.Null()], { description: 'Backend state: discovered, active, …' }),
  update_available: Type.Boolean({ description: 'Installed (not builtin) and this catalog version is semver-greater than the installed one' }),
};

const CatalogFields = {
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
};

export const StorePluginView = Type.Object({ ...CatalogFields, ...InstallState }, { additionalProperties: true });
export type StorePluginView = Static<typeof StorePluginView>;

export const StoreListing = Type.Object({
  available: Type.Boolean(),
  plugins: Type.Array(StorePluginView),
  total: Type.Integer({ description: 'Matching plugins over all pages' }),
  page: Type.Integer({ description: 'The page these plugins are (1-based)' }),
  per_page: Type.Integer({ description: 'Page size the store used' }),
  reason: Type.Optional(Type.String({ description: 'Why the store is unavailable' })),
});

export const StoreHealthReport = Type.Object({
  available: Type.Boolean(),
  url: Type.String({ description: 'OKO_STORE_URL' }),
  response_time_ms: Type.Integer(),
  store: Type.Optional(Type.Object({ version: Type.String(), plugins_count: Type.Integer() })),
  reason: Type.Optional(Type.String()),
});

const InstalledPlugin = Type.Object({ id: Type.String(), name: Type.String(), version: Type.String(), state: Type.String(), scope: Type.String() });

export const InstallAnswer = Type.Object({
  status: Type.Literal('installed'),
  plugin: InstalledPlugin,
  message: Type.String(),
});

export const UpdateAnswer = Type.Object({
  status: Type.Literal('updated'),
  plugin: InstalledPlugin,
  previous_version: Type.String({ description: 'The version that was installed before' }),
  message: Type.String({ description: 'Says so when the new version was active before and failed to load (it is then in state error)' }),
});

export const UninstallAnswer = Type.Object({
  status: Type.Literal('uninstalled'),
  plugin: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() }),
  message: Type.String(),
});

export const StoreUploadAnswer = Type.Object(
  {
    success: Type.Boolean(),
    plugin_id: Type.String(),
    message: Type.String(),
    plugin: Type.Object(CatalogFields, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

export const GithubImportBody = Type.Object({
  repo_url: Type.String({ minLength: 1, maxLength: 500, description: 'https://github.com/{owner}/{repo}' }),
  branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Default: the repository default branch (the store decides)' })),
  subdirectory: Type.Optional(Type.String({ maxLength: 500 })),
});
export type GithubImportBody = Static<typeof GithubImportBody>;

