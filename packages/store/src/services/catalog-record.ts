import {
  CatalogEntry,
  CatalogSignature,
  checkSchema,
  isValidPluginName,
  normalizePermissions,
  pluginDisplayName,
  pluginIcon,
  PluginManifest,
} from '@oko/shared';
import { Type, type Static } from '@fastify/type-provider-typebox';

/** Where a catalog entry's files live, relative to the storage's uploads/ folder. */
export const StorageRef = Type.Object({
  /** Upload folder name, e.g. zip_20240101_120000 or github_owner_repo_20240101_120000. */
  dir: Type.String({ pattern: '^(zip|github)_[A-Za-z0-9._-]+$' }),
  /** Plugin folder inside dir, e.g. extracted or extracted/owner-repo-abc/plugin. */
  plugin_dir: Type.String({ minLength: 1 }),
});
export type StorageRef = Static<typeof StorageRef>;

/** Who owns a plugin name: a publisher token's id and name, or the store admin (ADMIN). */
export const Owner = Type.Object({ id: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) });
export type Owner = Static<typeof Owner>;

/** The store admin's key (and, in an open store, everyone): owner of entries older than owners. */
export const ADMIN: Owner = { id: 'admin', name: 'admin' };

// `permissions`, `display_name` and `icon` are derived from the manifest and ui on the way out, so plugins.json
// written before them stays valid and a package's own words decide them; `rating` and `installs` are the store's counts.
const {
  permissions: _derived,
  signature: _signature,
  manifest: servedManifestSchema,
  display_name: _displayName,
  icon: _icon,
  rating: _rating,
  installs: _installs,
  ...storedFields
} = CatalogEntry.properties;

/**
 * A stored manifest: `engines` and `dependencies` unchecked, because packages published before
 * those fields were validated may hold npm's forms there (`"engines": "node >= 18"`,
 * `"dependencies": {"node-fetch": "^3"}`); checking them would make such a record bad on upgrade,
 * and the whole catalog read-only. servedManifest leaves them out of the API unless they are valid.
 */
const StoredManifest = Type.Object(
  { ...servedManifestSchema.properties, engines: Type.Optional(Type.Unknown()), dependencies: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);

/**
 * A catalog entry as stored in plugins.json: the API payload (less what is derived) plus where its
 * files are. `signature` is optional there: plugins.json written before signatures has none, which
 * reads as unsigned (those packages were published unchecked).
 */
export const CatalogRecord = Type.Object({
  ...storedFields,
  manifest: StoredManifest,
  signature: Type.Optional(CatalogSignature),
  storage: StorageRef,
  /** Who owned the name when this version was published, so `npm run store:recover` can rebuild the owner table. */
  owner: Type.Optional(Owner),
  /**
   * This version's CHANGELOG.md section (changelog.ts), found at publish time; records written
   * before the field have it read lazily from their plugin folder (package-docs.ts). `has_readme`
   * (from CatalogEntry) is optional for the same reason.
   */
  changelog: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type CatalogRecord = Static<typeof CatalogRecord>;

/** Plugin name -> owner: written in the same atomic write as the records it governs. */
export const OwnerTable = Type.Record(Type.String(), Owner);
export type OwnerTable = Static<typeof OwnerTable>;

export const CatalogFile = Type.Object({
  format: Type.Literal(1),
  plugins: Type.Array(CatalogRecord),
  owners: Type.Optional(OwnerTable),
});
export type CatalogFile = Static<typeof CatalogFile>;

const valid = (schema: Parameters<typeof checkSchema>[0], value: unknown) => checkSchema(schema, value, 'manifest.json').length === 0;

/** The manifest as the API serves it: `engines` and `dependencies` only in the shape manifests have now (else left out). */
export function servedManifest(manifest: CatalogRecord['manifest']): CatalogEntry['manifest'] {
  const { engines, dependencies, ...rest } = manifest;
  const served: CatalogEntry['manifest'] = rest;
  if (engines !== undefined && valid(PluginManifest.properties.engines, engines)) served.engines = engines as typeof served.engines;
  // Every key a plugin name: the schema's pattern only checks the keys that match it.
  const named = typeof dependencies === 'object' && dependencies !== null && Object.keys(dependencies).every(isValidPluginName);
  if (named && valid(PluginManifest.properties.dependencies, dependencies))
    served.dependencies = dependencies as typeof served.dependencies;
  return served;
}

export function toCatalogEntry(record: CatalogRecord): CatalogEntry {
  const { storage: _storage, owner: _owner, changelog: _changelog, ...entry } = record;
  return {
    ...entry,
    manifest: servedManifest(record.manifest),
    permissions: normalizePermissions(record.manifest.permissions),
    signature: record.signature ?? null,
    publisher: record.publisher ?? ADMIN.name,
    display_name: pluginDisplayName(record),
    icon: pluginIcon(record),
  };
}
