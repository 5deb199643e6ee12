import { copyFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { createError, isOkoError } from '@oko/shared';
import { notifyChange } from '../postgres/change-feed.js';
import type { Database } from '../postgres/database.js';
import type { StoreBackends } from '../services/backends.js';
import { ADMIN, type CatalogRecord } from '../services/catalog-record.js';
import { PACKAGE_FILE, UPLOADS_DIR } from '../services/plugin-storage.js';
import { packageFileOf, sha256Of, type EmbeddedStore } from './read-embedded.js';

/** What one kind of state came to: copied, or already there (a second run, or a publish on the target meanwhile). */
export interface MigratedPart {
  added: number;
  skipped: string[];
}

export interface MigrationReport {
  catalog: MigratedPart;
  /** Packages put into S3 (each read back and checked by the blob storage), or upload folders copied to the target's disk. */
  packages: { stored: number; where: 's3' | 'disk (copied)' | 'disk (in place)' };
  tokens: MigratedPart;
  reviews: MigratedPart;
  counters: MigratedPart;
}

/** Catalog refusals that mean "the target already decided this": reported and skipped, never overwritten. */
const SETTLED = new Set(['PLUGIN_ALREADY_EXISTS', 'NOT_OWNER', 'VERSION_DELETED']);

/**
 * Writes an embedded store into PostgreSQL (and S3) through the target's own repositories, so a
 * migrated row is checked as a publish is: the unique (name, version) makes a second run add
 * nothing, the owner table is kept, and with S3 each package is stored (claimed, put, read back)
 * before its row. Tokens, reviews and counters are copied as rows with what they had (token
 * hashes, review times, downloaders), each insert doing nothing where its key is taken.
 */
export async function writeToTarget(source: EmbeddedStore, target: StoreBackends, targetStoragePath: string): Promise<MigrationReport> {
  const db = target.db;
  if (!db) throw new Error('store:migrate writes into PostgreSQL: the target has no database');
  const inPlace = path.resolve(targetStoragePath) === path.resolve(source.storagePath);
  const report: MigrationReport = {
    catalog: { added: 0, skipped: [] },
    packages: { stored: 0, where: target.storage.blobs ? 's3' : inPlace ? 'disk (in place)' : 'disk (copied)' },
    tokens: { added: 0, skipped: [] },
    reviews: { added: 0, skipped: [] },
    counters: { added: 0, skipped: [] },
  };
  for (const record of source.records) {
    const what = `${record.name} ${record.version} (id ${record.id})`;
    const there = (await target.catalog.get(record.id)) ?? (await sameVersion(target, record));
    if (there) {
      report.catalog.skipped.push(`${what}: already in the database${there.id === record.id ? '' : ` as id ${there.id}`}`);
      continue;
    }
    try {
      await addRecord(source, target, record, inPlace);
      report.catalog.added++;
      if (!inPlace || target.storage.blobs) report.packages.stored++;
    } catch (error) {
      if (!isOkoError(error) || !SETTLED.has(error.code)) throw error;
      report.catalog.skipped.push(`${what}: ${error.message}`);
    }
  }
  await copyTokens(db, source, report.tokens);
  await copyReviews(db, source, report.reviews);
  await copyCounters(db, source, report.counters);
  return report;
}

async function sameVersion(target: StoreBackends, record: CatalogRecord): Promise<CatalogRecord | undefined> {
  return (await target.catalog.list()).find((r) => r.name === record.name && r.version === record.version);
}

/** The package where the row will point first (S3, or the target's uploads/), then the row, owned as it was. */
async function addRecord(source: EmbeddedStore, target: StoreBackends, record: CatalogRecord, inPlace: boolean): Promise<void> {
  const { storage, catalog } = target;
  const owner = Object.hasOwn(source.owners, record.name) ? source.owners[record.name]! : ADMIN;
  if (!storage.blobs) {
    // PostgreSQL with packages on local disk: the row keeps naming its upload folder, which the target must have.
    if (inPlace) return void (await catalog.add(record, owner));
    const copied = storage.resolve(record.storage.dir);
    if (await storage.exists(copied)) {
      // Left by an earlier run cut short, or another store's folder of the same name: only the same package will do.
      const file = storage.packageFile(record.storage);
      if (!(await storage.exists(file)) || (await sha256Of(file)) !== record.sha256) {
        throw createError('PLUGIN_ALREADY_EXISTS', `the target's ${UPLOADS_DIR}/${record.storage.dir} holds another package; move it away`);
      }
    } else {
      await cp(path.join(source.storagePath, UPLOADS_DIR, record.storage.dir), copied, { recursive: true, errorOnExist: true });
    }
    try {
      await catalog.add(record, owner);
    } catch (error) {
      await storage.removeUploadFolder(record.storage.dir);
      throw error;
    }
    return;
  }
  // S3: the blob storage takes a package from a scratch upload folder, as a publish hands it over.
  const folder = await storage.createUploadFolder('zip');
  try {
    await copyFile(packageFileOf(source.storagePath, record), path.join(folder.path, PACKAGE_FILE));
    const stored = await storage.storePackage(folder, { sha256: record.sha256, size: record.size });
    try {
      await catalog.add(record, owner, stored.step);
    } finally {
      await stored.release();
    }
  } finally {
    await storage.removeUploadFolder(folder.name);
  }
}

async function copyTokens(db: Database, source: EmbeddedStore, part: MigratedPart): Promise<void> {
  for (const t of source.tokens) {
    const { rowCount } = await db.query(
      'INSERT INTO publishers (id, name, kind, created_at, token_sha256) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [t.id, t.name, t.kind, t.created_at, t.token_sha256],
    );
    if (rowCount) part.added++;
    else part.skipped.push(`token '${t.name}' (id ${t.id}): its id, name or token is already in the database`);
  }
  if (part.added > 0) await notifyChange(db, 'oko_publishers');
}

async function copyReviews(db: Database, source: EmbeddedStore, part: MigratedPart): Promise<void> {
  for (const r of source.reviews) {
    const { rowCount } = await db.query(
      `INSERT INTO reviews (name, reviewer_key, id, version, rating, title, body, reviewer, verified_install, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
      [r.plugin, r.reviewer_key, r.id, r.version, r.rating, r.title, r.body, r.reviewer, r.verified_install, r.created_at, r.updated_at],
    );
    if (rowCount) part.added++;
    else part.skipped.push(`review ${r.id} of ${r.plugin}: its reviewer already has a review of that plugin in the database`);
  }
  if (part.added > 0) await notifyChange(db, 'oko_reviews');
}

/** A name's counters go in whole or not at all: adding to counts already there would count twice on a second run. */
async function copyCounters(db: Database, source: EmbeddedStore, part: MigratedPart): Promise<void> {
  for (const [name, counts] of source.installs) {
    const keys = Object.keys(counts.downloaders);
    const added = await db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        'INSERT INTO install_counts (name, downloads, instances) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [name, counts.downloads, keys.length],
      );
      if (!rowCount) return false;
      if (keys.length > 0) {
        await tx.query(
          'INSERT INTO install_downloaders (name, downloader_key, version) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING',
          [name, keys, keys.map((k) => counts.downloaders[k]!)],
        );
      }
      return true;
    });
    if (added) part.added++;
    else part.skipped.push(`install counts of ${name}: the database already counts that name`);
  }
  if (part.added > 0) await notifyChange(db, 'oko_installs');
}
