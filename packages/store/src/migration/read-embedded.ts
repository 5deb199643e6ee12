import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkSchema, formatIssues } from '@oko/shared';
import { resolveInside } from '@oko/shared/archive';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { describeBadRecords, readCatalogFile } from '../services/catalog-file.js';
import type { CatalogRecord, OwnerTable } from '../services/catalog-record.js';
import { CATALOG_FILE } from '../services/catalog-repository.js';
import { scanUploads } from '../services/entry-records.js';
import { STATS_FILE } from '../services/install-counter.js';
import { PACKAGE_FILE, UPLOADS_DIR } from '../services/plugin-storage.js';
import { JsonPublisherRepository, PUBLISHERS_FILE } from '../services/publisher-repository.js';
import { JsonReviewRepository, type StoredReview } from '../services/review-repository.js';

/** A token as publishers.json keeps it (its hash only): copied as it is, so every token keeps working. */
export interface StoredToken {
  id: string;
  name: string;
  kind: 'publisher' | 'dashboard';
  created_at: string;
  token_sha256: string;
}

export interface NameCounts {
  downloads: number;
  /** downloader key → the version it downloaded last */
  downloaders: Record<string, string>;
}

/** Everything an embedded store folder holds, read and checked, nothing written. */
export interface EmbeddedStore {
  storagePath: string;
  /** Oldest first. Each one's package.zip exists and matches its size and SHA-256. */
  records: CatalogRecord[];
  owners: OwnerTable;
  tokens: StoredToken[];
  reviews: StoredReview[];
  installs: Map<string, NameCounts>;
}

/** The source cannot be moved as it is; the message says what the operator does about it. */
export class MigrationRefused extends Error {}

const StatsFile = Type.Object({
  format: Type.Literal(1),
  plugins: Type.Record(
    Type.String(),
    Type.Object({ downloads: Type.Integer({ minimum: 0 }), downloaders: Type.Record(Type.String(), Type.String()) }),
  ),
});

const recoverHint = (storagePath: string) =>
  `Run \`OKO_STORE_STORAGE_PATH=${storagePath} npm run store:recover\` first (with the embedded store stopped), then migrate again`;

/**
 * Reads the store folder the way the embedded store would, but refuses where the store would go
 * read-only (plugins.json missing beside published folders, unreadable or partly bad) instead of
 * serving around it: a migration copies one consistent catalog or nothing. Read-only: it neither
 * tidies nor sets anything aside in the folder it reads.
 */
export async function readEmbeddedStore(storagePath: string): Promise<EmbeddedStore> {
  const folder = await stat(storagePath).catch(() => null);
  if (!folder?.isDirectory()) throw new MigrationRefused(`${storagePath} is not a folder: --from names an embedded store's folder`);
  const state = await readCatalogFile(path.join(storagePath, CATALOG_FILE));
  let records: CatalogRecord[] = [];
  let owners: OwnerTable = {};
  if (state.status === 'valid') {
    records = state.records;
    owners = state.owners;
  } else if (state.status === 'missing') {
    const scan = await scanUploads(path.join(storagePath, UPLOADS_DIR));
    const published = scan.records.size + scan.unrecorded.length + scan.broken.length;
    if (published > 0) {
      throw new MigrationRefused(
        `${CATALOG_FILE} is missing while ${UPLOADS_DIR}/ holds ${published} published package folder(s): the catalog is read-only. ${recoverHint(storagePath)}`,
      );
    }
  } else {
    const why = state.status === 'unreadable' ? `is unreadable (${state.reason})` : `has ${describeBadRecords(state.bad)}`;
    throw new MigrationRefused(`${CATALOG_FILE} ${why}: the catalog is read-only. ${recoverHint(storagePath)}`);
  }
  await checkPackages(storagePath, records);
  return {
    storagePath,
    records: [...records].sort((a, b) => a.created_at.localeCompare(b.created_at)),
    owners,
    tokens: await readTokens(storagePath),
    reviews: await readReviews(storagePath),
    installs: await readInstalls(storagePath),
  };
}

export function packageFileOf(storagePath: string, record: CatalogRecord): string {
  return resolveInside(resolveInside(path.join(storagePath, UPLOADS_DIR), record.storage.dir), PACKAGE_FILE);
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Every record's package is there and is the one the record names: a row must never point at something else. */
async function checkPackages(storagePath: string, records: readonly CatalogRecord[]): Promise<void> {
  const problems: string[] = [];
  for (const record of records) {
    const file = packageFileOf(storagePath, record);
    const size = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    const what = `${record.name} ${record.version} (id ${record.id}, ${UPLOADS_DIR}/${record.storage.dir}/${PACKAGE_FILE})`;
    if (size === null) problems.push(`${what}: the package file is missing`);
    else if (size !== record.size || (await sha256Of(file)) !== record.sha256)
      problems.push(`${what}: the package file does not match the size and SHA-256 its entry names`);
  }
  if (problems.length > 0) {
    throw new MigrationRefused(
      `${problems.length} catalog entr${problems.length === 1 ? 'y has' : 'ies have'} no intact package; nothing was migrated:\n  ${problems.join('\n  ')}\n` +
        'Put the packages back (from a backup), or delete those entries through the embedded store, then migrate again',
    );
  }
}

async function readTokens(storagePath: string): Promise<StoredToken[]> {
  try {
    // open() checks the file as the store does; the hashes themselves are not in its answers, so the checked file is read again.
    await JsonPublisherRepository.open(storagePath);
    const text = await readFile(path.join(storagePath, PUBLISHERS_FILE), 'utf8').catch(() => null);
    return text === null ? [] : (JSON.parse(text) as { publishers: StoredToken[] }).publishers;
  } catch (error) {
    throw new MigrationRefused(
      `${(error as Error).message}: the store would not start on it either; restore ${PUBLISHERS_FILE} from a backup`,
    );
  }
}

async function readReviews(storagePath: string): Promise<StoredReview[]> {
  let repo: JsonReviewRepository;
  try {
    // No bounds: the migration copies what the store holds, whatever its limits were.
    repo = await JsonReviewRepository.open(storagePath, { perName: Number.MAX_SAFE_INTEGER, fileBytes: Number.MAX_SAFE_INTEGER });
  } catch (error) {
    throw new MigrationRefused(`${(error as Error).message}: the store would not start on it either; restore reviews.json from a backup`);
  }
  return [...repo.rated()].flatMap((name) => repo.list(name));
}

async function readInstalls(storagePath: string): Promise<Map<string, NameCounts>> {
  const file = path.join(storagePath, STATS_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return new Map();
  let problem: string;
  try {
    const data: unknown = JSON.parse(text);
    const issues = checkSchema(StatsFile, data, STATS_FILE);
    if (issues.length === 0) return new Map(Object.entries((data as Static<typeof StatsFile>).plugins));
    problem = formatIssues(issues.slice(0, 3));
  } catch (error) {
    problem = `not valid JSON: ${(error as Error).message}`;
  }
  throw new MigrationRefused(
    `${file} is unusable (${problem}); the embedded store would set it aside and count from zero. Move it away to migrate without install counts`,
  );
}
