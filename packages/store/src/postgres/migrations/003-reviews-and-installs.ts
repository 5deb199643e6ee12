import type { Migration } from '../migrations.js';

/**
 * Reviews and install counters (docs/architecture.md, Growing past one machine).
 * - reviews: one per reviewer and plugin name (the primary key decides two posts at once from any
 *   replicas); (name, id) is what the admin deletes by. `revision` rises with every write and
 *   orders reviews saved in the same millisecond, newest first.
 * - install_counts: downloads and distinct downloaders per name, added to in batches by each
 *   replica; install_downloaders: who downloaded (a downloaderKey hash, never an instance id) and
 *   the version they took last, within the same per-name and total caps as stats.json.
 */
export const reviewsAndInstalls: Migration = {
  version: 3,
  name: 'reviews-and-installs',
  sql: `
CREATE SEQUENCE reviews_revision;

CREATE TABLE reviews (
  name             text NOT NULL,
  reviewer_key     text NOT NULL,
  id               text NOT NULL,
  version          text,
  rating           smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title            text NOT NULL,
  body             text NOT NULL,
  reviewer         text NOT NULL,
  verified_install boolean NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  revision         bigint NOT NULL DEFAULT nextval('reviews_revision'),
  PRIMARY KEY (name, reviewer_key),
  CONSTRAINT reviews_name_id UNIQUE (name, id)
);

CREATE TABLE install_counts (
  name      text PRIMARY KEY,
  downloads bigint NOT NULL CHECK (downloads >= 0),
  instances integer NOT NULL CHECK (instances >= 0)
);

CREATE TABLE install_downloaders (
  name           text NOT NULL,
  downloader_key text NOT NULL,
  version        text NOT NULL,
  PRIMARY KEY (name, downloader_key)
);
`,
};
