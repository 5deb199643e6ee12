import { CatalogEntry } from '@oko/shared';
import { Type, type Static } from '@fastify/type-provider-typebox';

/** Where a catalog entry's files live, relative to the storage's uploads/ folder. */
export const StorageRef = Type.Object({
  /** Upload folder name, e.g. zip_20240101_120000 or github_owner_repo_20240101_120000. */
  dir: Type.String({ pattern: '^(zip|github)_[A-Za-z0-9._-]+$' }),
  /** Plugin folder inside dir, e.g. extracted or extracted/owner-repo-abc/plugin. */
  plugin_dir: Type.String({ minLength: 1 }),
});
export type StorageRef = Static<typeof StorageRef>;

/** A catalog entry as stored in plugins.json: the API payload plus where its files are. */
export const CatalogRecord = Type.Object({ ...CatalogEntry.properties, storage: StorageRef });
export type CatalogRecord = Static<typeof CatalogRecord>;

export const CatalogFile = Type.Object({
  format: Type.Literal(1),
  plugins: Type.Array(CatalogRecord),
});
export type CatalogFile = Static<typeof CatalogFile>;

export function toCatalogEntry(record: CatalogRecord): CatalogEntry {
  const { storage: _storage, ...entry } = record;
  return entry;
}
