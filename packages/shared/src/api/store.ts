import { Type, type Static } from 'typebox';
import type { ErrorCode } from '../errors.js';
import { normalizePermissions, PermissionSet, type PluginPermissions } from '../permissions.js';
import { CatalogSignature } from '../signature.js';
import { ManifestData, UiData } from './embedded.js';
import { CatalogSort, InstallStats, RatingSummary } from './reviews.js';

/**
 * Payloads of the Plugin Store API (/api/v1 on the store). Names carry a Store prefix where the
 * backend's API (api/plugins.ts) already uses the plain name.
 */

/**
 * How a catalog entry is named in a path: its catalog id or a plugin name. The store's own rule,
 * checked by both services, so a `..` never becomes a path on the store.
 */
export const CatalogRef = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Catalog id, or a plugin name (its newest version)',
});

export const CatalogSource = Type.Union([Type.Literal('zip_upload'), Type.Literal('github')]);
export type CatalogSource = Static<typeof CatalogSource>;

/** One plugin version in the store catalog. `size`/`sha256` describe exactly what /download serves. */
export const CatalogEntry = Type.Object({
  id: Type.String({ description: 'Catalog id: short random hex, distinct from the plugin name', examples: ['3f9a1c2b7d4e'] }),
  name: Type.String({ description: 'manifest.json name (the plugin id in the dashboard)' }),
  version: Type.String(),
  description: Type.String(),
  author: Type.String(),
  tags: Type.Array(Type.String()),
  source: CatalogSource,
  source_url: Type.Union([Type.String(), Type.Null()], { description: 'GitHub repository URL, null for uploads' }),
  branch: Type.Optional(Type.String()),
  subdirectory: Type.Optional(Type.String()),
  manifest: ManifestData,
  ui: Type.Union([UiData, Type.Null()], { description: 'Parsed ui.yaml, null when the package has none' }),
  permissions: Type.Object(PermissionSet.properties, {
    description: 'manifest.json `permissions` in canonical form: what installing this version grants',
  }),
  size: Type.Integer({ description: 'Bytes of the normalized ZIP served by /download' }),
  sha256: Type.String({ description: 'SHA-256 (hex) of the normalized ZIP served by /download' }),
  created_at: Type.String({ description: 'ISO 8601 time' }),
  signature: Type.Union(CatalogSignature.anyOf, {
    description:
      "The package's oko-signature.json (key id and self-declared signer), checked by the store to match the package's files and manifest; null when unsigned. Trust is each dashboard's decision.",
  }),
  publisher: Type.Optional(
    Type.String({
      description:
        "Name of the publisher that owns this plugin name ('admin' for the store admin's key, an open store and entries older than owners)",
    }),
  ),
  has_readme: Type.Optional(Type.Boolean({ description: 'The package ships README.md, served by GET /plugins/{id}/readme' })),
  display_name: Type.Optional(
    Type.String({
      description:
        'manifest display_name, else ui.yaml page_title, else the name (pluginDisplayName); set on every answer of a current store',
    }),
  ),
  icon: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'ui.yaml page_icon (an icon name), null when none' })),
  rating: Type.Optional(RatingSummary),
  installs: Type.Optional(InstallStats),
});
export type CatalogEntry = Static<typeof CatalogEntry>;

/**
 * What a list answer carries of each entry: the fields the store cards and the dashboard read, and
 * of manifest.json only name, version and capabilities. Every field is bounded by the manifest's
 * own schema, so a page of 200 stays small whatever a package holds; GET /plugins/{id} has the
 * full manifest and ui.
 */
export const CatalogSummary = Type.Object(
  {
    id: CatalogEntry.properties.id,
    name: CatalogEntry.properties.name,
    version: CatalogEntry.properties.version,
    description: CatalogEntry.properties.description,
    author: CatalogEntry.properties.author,
    tags: CatalogEntry.properties.tags,
    source: CatalogSource,
    source_url: CatalogEntry.properties.source_url,
    branch: CatalogEntry.properties.branch,
    subdirectory: CatalogEntry.properties.subdirectory,
    manifest: Type.Object(
      {
        name: ManifestData.properties.name,
        version: ManifestData.properties.version,
        capabilities: ManifestData.properties.capabilities,
      },
      { description: 'Of manifest.json only name, version and capabilities; the entry itself has all of it' },
    ),
    permissions: CatalogEntry.properties.permissions,
    size: CatalogEntry.properties.size,
    sha256: CatalogEntry.properties.sha256,
    created_at: CatalogEntry.properties.created_at,
    signature: CatalogEntry.properties.signature,
    publisher: CatalogEntry.properties.publisher,
    has_readme: CatalogEntry.properties.has_readme,
    display_name: CatalogEntry.properties.display_name,
    icon: CatalogEntry.properties.icon,
    rating: CatalogEntry.properties.rating,
    installs: CatalogEntry.properties.installs,
    versions_count: Type.Optional(
      Type.Integer({ description: 'Versions of this plugin name in the catalog (lists of one entry per name; absent with all_versions)' }),
    ),
  },
  { description: 'A catalog entry in a list answer' },
);
export type CatalogSummary = Static<typeof CatalogSummary>;

const SUMMARY_FIELDS = Object.keys(CatalogSummary.properties).filter((key) => key !== 'manifest' && key !== 'permissions');

/**
 * The summary of an entry: only the summary's fields, whatever else it holds. The store lists with
 * it, and the backend applies it again to what a store lists, so an older store's full entries are
 * cut to the same size before they reach a browser.
 */
export function catalogSummaryOf(
  entry: CatalogSummary | CatalogEntry | (Partial<CatalogEntry> & Pick<CatalogEntry, 'id' | 'name' | 'version'>),
): CatalogSummary {
  const source = entry as unknown as Record<string, unknown>;
  const summary: Record<string, unknown> = {};
  for (const key of SUMMARY_FIELDS) if (source[key] !== undefined) summary[key] = source[key];
  const { name, version, capabilities } = entry.manifest ?? {};
  summary.manifest = capabilities === undefined ? { name, version } : { name, version, capabilities };
  // An older store's entries have no `permissions` field: the manifest's own is the same set.
  summary.permissions = normalizePermissions(
    (source.permissions as PluginPermissions | undefined) ??
      (entry.manifest as { permissions?: PluginPermissions } | undefined)?.permissions,
  );
  // An older store's entries have no `signature`: it reported none.
  summary.signature = (source.signature as CatalogSignature | undefined) ?? null;
  return summary as CatalogSummary;
}

export const StorePluginList = Type.Object({
  plugins: Type.Array(CatalogSummary),
  total: Type.Integer({ description: 'Matching entries (plugin names, or versions with all_versions), over all pages' }),
  page: Type.Integer(),
  per_page: Type.Integer(),
});
export type StorePluginList = Static<typeof StorePluginList>;

/** Page size of GET /plugins when the caller names none; the backend answers with it when the store is down. */
export const STORE_DEFAULT_PER_PAGE = 50;
export const STORE_MAX_PER_PAGE = 200;
/** Highest page number accepted: far past any real catalog, low enough that `page` stays an exact integer. */
export const STORE_MAX_PAGE = 1_000_000;

export const StorePluginListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in name, display name, description, author or tags' })),
  tag: Type.Optional(Type.String({ maxLength: 50 })),
  page: Type.Integer({ minimum: 1, maximum: STORE_MAX_PAGE, default: 1 }),
  per_page: Type.Integer({ minimum: 1, maximum: STORE_MAX_PER_PAGE, default: STORE_DEFAULT_PER_PAGE }),
  all_versions: Type.Optional(
    Type.Boolean({ default: false, description: 'One entry per version instead of one per plugin name (its newest)' }),
  ),
  sort: Type.Optional(CatalogSort),
});
export type StorePluginListQuery = Static<typeof StorePluginListQuery>;

/**
 * The first field of a validated query that holds a non-finite number, if any. Ajv coerces the
 * strings "Infinity" and "1e400" to Infinity for an integer field and then skips minimum/maximum
 * for it, so `?page=1e400` passes validation; both services refuse it with this check instead.
 */
export function nonFiniteField(values: object): string | undefined {
  // A loop, not Object.entries().find(): it runs on every list request, and the pairs it built showed in the profile.
  for (const key of Object.keys(values)) {
    const value: unknown = (values as Record<string, unknown>)[key];
    if (typeof value === 'number' && !Number.isFinite(value)) return key;
  }
  return undefined;
}

export const UploadResult = Type.Object({
  success: Type.Boolean(),
  plugin_id: Type.String({ description: 'Catalog id of the new entry' }),
  message: Type.String(),
  plugin: CatalogEntry,
  warnings: Type.Optional(
    Type.Array(Type.String(), { description: 'Accepted but worth fixing, e.g. a deprecated ui.yaml field, as `file: field: message`' }),
  ),
});
export type UploadResult = Static<typeof UploadResult>;

/**
 * The multipart/form-data body of a ZIP upload, for the OpenAPI docs only: the route reads the
 * file as a stream (`request.file()`), so Fastify never validates a parsed body against this.
 */
export const UploadZipForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'The plugin ZIP (plugin at its root or in one top-level folder)' }),
});

export const GithubImportRequest = Type.Object(
  {
    repo_url: Type.String({ minLength: 1, maxLength: 300, examples: ['https://github.com/owner/repo'] }),
    branch: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Branch, tag or commit; default: the repository default branch' }),
    ),
    subdirectory: Type.Optional(Type.String({ maxLength: 300, description: 'Folder of the plugin inside the repository' })),
  },
  { additionalProperties: false },
);
export type GithubImportRequest = Static<typeof GithubImportRequest>;

export const StorePluginPath = Type.Object({
  path: Type.String({
    description:
      "Absolute folder of the extracted plugin on the store host; with packages in S3 (OKO_STORE_BLOB_URL) the package's location, s3://bucket/key",
  }),
  exists: Type.Boolean({
    description: 'Whether that folder exists; always false with packages in S3, where no extracted folder is shared',
  }),
});
export type StorePluginPath = Static<typeof StorePluginPath>;

export const DeleteResult = Type.Object({ success: Type.Boolean(), plugin_id: Type.String(), message: Type.String() });
export type DeleteResult = Static<typeof DeleteResult>;

/**
 * What the store's two import routes can answer with. The backend relays these answers as they
 * come (plus its own STORE_UNAVAILABLE), so both services document them from this one list.
 */
export const UPLOAD_ZIP_ERRORS = [
  'BAD_REQUEST',
  'UPLOAD_ABORTED',
  'UNAUTHORIZED',
  'CROSS_SITE_REQUEST',
  'UPLOAD_TIMEOUT',
  'PLUGIN_ALREADY_EXISTS',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_ARCHIVE',
  'INVALID_MANIFEST',
  'INVALID_SIGNATURE',
  'CATALOG_READ_ONLY',
  'INSUFFICIENT_STORAGE',
  'NOT_OWNER',
  'TOKEN_NOT_ALLOWED',
] as const satisfies readonly ErrorCode[];

export const GITHUB_IMPORT_ERRORS = [
  'VALIDATION_FAILED',
  'INVALID_REPO_URL',
  'UNAUTHORIZED',
  'CROSS_SITE_REQUEST',
  'GITHUB_NOT_FOUND',
  'PLUGIN_ALREADY_EXISTS',
  'PAYLOAD_TOO_LARGE',
  'INVALID_ARCHIVE',
  'INVALID_MANIFEST',
  'INVALID_SIGNATURE',
  'GITHUB_UPSTREAM_ERROR',
  'CATALOG_READ_ONLY',
  'INSUFFICIENT_STORAGE',
  'NOT_OWNER',
  'TOKEN_NOT_ALLOWED',
] as const satisfies readonly ErrorCode[];
