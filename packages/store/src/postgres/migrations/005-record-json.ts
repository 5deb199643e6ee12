import type { Migration } from '../migrations.js';

/**
 * catalog_records.record as `json` (its text, checked only for JSON syntax) instead of `jsonb`.
 * jsonb refuses two escapes JSON allows, `\u0000` and a lone UTF-16 surrogate, and a package's
 * manifest may carry either (plugins.json holds them): on jsonb such a publish failed with 500,
 * where the embedded store publishes it. The store never queries inside the record (it reads the
 * whole row and checks it, pg-catalog-snapshot.ts), so nothing is lost; `record->>'publisher'`
 * still works in psql.
 */
export const recordJson: Migration = {
  version: 5,
  name: 'record-json',
  sql: `ALTER TABLE catalog_records ALTER COLUMN record TYPE json USING record::json;`,
};
