import type { Migration } from '../migrations.js';

/**
 * The catalog (docs/architecture.md, Growing past one machine). `record` is the whole CatalogRecord
 * as plugins.json keeps it; the columns beside it are what queries and constraints need.
 * - (name, version_key) is unique: PostgreSQL decides concurrent publishes from any number of
 *   replicas, exactly one wins. version_key is versionKey(version): semver without build metadata,
 *   as sameVersion compares (1.0.0 and 1.0.0+b are one version).
 * - name_owners: who owns a name; the first publish of a name inserts it in the same transaction
 *   as the record, so two publishers racing for one new name end with one owner.
 * - tombstones: each deleted name and version with the sha256 it had, so it never returns with
 *   other content (VERSION_DELETED); the same package may come back.
 * - catalog_changes: one row per write; its id is the catalog's version, which every replica
 *   reads after a NOTIFY on 'oko_catalog' (payload: that id) to know whether it is current.
 */
export const catalog: Migration = {
  version: 1,
  name: 'catalog',
  sql: `
CREATE TABLE catalog_records (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  version     text NOT NULL,
  version_key text NOT NULL,
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size        bigint NOT NULL CHECK (size >= 0),
  created_at  timestamptz NOT NULL,
  record      jsonb NOT NULL,
  CONSTRAINT catalog_records_name_version UNIQUE (name, version_key)
);
CREATE INDEX catalog_records_sha256 ON catalog_records (sha256);

CREATE TABLE name_owners (
  name       text PRIMARY KEY,
  owner_id   text NOT NULL,
  owner_name text NOT NULL
);

CREATE TABLE tombstones (
  name        text NOT NULL,
  version_key text NOT NULL,
  version     text NOT NULL,
  sha256      text NOT NULL,
  deleted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version_key)
);

CREATE TABLE catalog_changes (
  id         bigserial PRIMARY KEY,
  changed_at timestamptz NOT NULL DEFAULT now()
);
`,
};
