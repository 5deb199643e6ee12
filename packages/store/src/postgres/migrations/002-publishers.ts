import type { Migration } from '../migrations.js';

/** Publisher and dashboard tokens, as publishers.json keeps them: the SHA-256 of each token only. */
export const publishers: Migration = {
  version: 2,
  name: 'publishers',
  sql: `
CREATE TABLE publishers (
  id           text PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  kind         text NOT NULL CHECK (kind IN ('publisher', 'dashboard')),
  created_at   timestamptz NOT NULL,
  token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$')
);
`,
};
