import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { sha256 } from '../../../../test-support/fixtures.js';
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../../test-support/postgres.js';
import { startS3, type S3Server } from '../../../../test-support/s3.js';
import { openBlobStorage, type BlobPluginStorage } from '../../src/blobs/blob-storage.js';
import { Database, type Queryable } from '../../src/postgres/database.js';
import type { CatalogWriteStep } from '../../src/services/catalog-repository.js';

/** What the store's storage code logs, kept for assertions (PACKAGE INTEGRITY lines). */
export interface LogLines {
  log: FastifyBaseLogger;
  lines: { level: string; msg: string }[];
  text(): string;
}

export function recordingLog(): LogLines {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      const msg = args.find((a) => typeof a === 'string');
      lines.push({ level, msg: typeof msg === 'string' ? msg : '' });
    };
  const log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') };
  const logger = { ...log, child: () => logger, level: 'info' } as unknown as FastifyBaseLogger;
  return { log: logger, lines, text: () => lines.map((l) => `${l.level}: ${l.msg}`).join('\n') };
}

/** A fresh database (migrated), a fresh scratch folder and the blob storage over one key prefix of the test's bucket. */
export interface BlobRig {
  db: Database;
  storage: BlobPluginStorage;
  scratch: string;
  prefix: string;
  logs: LogLines;
  close(): Promise<void>;
}

export async function openRig(createDatabase: () => Promise<string>, s3: Pick<S3Server, 'bucket' | 'endpoint'>): Promise<BlobRig> {
  const logs = recordingLog();
  const db = await Database.open({ url: await createDatabase(), poolSize: 20 }, logs.log);
  const scratch = await mkdtemp(path.join(tmpdir(), 'oko-blob-scratch-'));
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const storage = await openBlobStorage({ bucket: s3.bucket, prefix, endpoint: s3.endpoint }, db, scratch, logs.log);
  return {
    db,
    storage,
    scratch,
    prefix,
    logs,
    async close() {
      await storage.close();
      await db.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** An upload folder holding `bytes` as its package.zip, as packing leaves it. */
export async function stagePackage(storage: BlobPluginStorage, bytes: Buffer) {
  const folder = await storage.createUploadFolder('zip');
  await writeFile(path.join(folder.path, 'package.zip'), bytes);
  return { folder, pkg: { sha256: sha256(bytes), size: bytes.length } };
}

let rows = 0;

/**
 * A catalog row as the PostgreSQL catalog inserts it, with the write step run in the same
 * transaction (CatalogRepository.add's contract), so the storage and sweep are tested on their own.
 */
export async function insertRow(db: Database, pkg: { sha256: string; size: number }, step?: CatalogWriteStep): Promise<string> {
  const id = `row${++rows}${randomBytes(3).toString('hex')}`;
  await db.transaction(async (tx: Queryable) => {
    await step?.(tx);
    await tx.query(
      "INSERT INTO catalog_records (id, name, version, version_key, sha256, size, created_at, record) VALUES ($1, $1, '1.0.0', '1.0.0', $2, $3, now(), '{}')",
      [id, pkg.sha256, pkg.size],
    );
  });
  return id;
}

export async function claimCount(db: Database, sha: string): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM blob_claims WHERE sha256 = $1', [sha])).rows[0]!.n;
}

const AWS_VARIABLES = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/**
 * A PostgreSQL server and an s3rver for the calling test file, started before its tests and
 * stopped after them. Meanwhile the AWS SDK's region and keys are in process.env, where the store
 * reads them as in production; they are put back as they were afterwards.
 */
export function useBlobEngines(): { readonly pg: PostgresServer; readonly s3: S3Server } {
  let engines: { pg: PostgresServer; s3: S3Server } | undefined;
  const saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
  beforeAll(async () => {
    const [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    engines = { pg, s3 };
    for (const name of AWS_VARIABLES) process.env[name] = s3.env[name];
  }, 60_000);
  afterAll(async () => {
    for (const name of AWS_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await engines?.s3.stop();
    await engines?.pg.stop();
  });
  const started = () => {
    if (!engines) throw new Error('PostgreSQL and s3rver start in beforeAll: use them inside a test or hook');
    return engines;
  };
  return {
    get pg() {
      return started().pg;
    },
    get s3() {
      return started().s3;
    },
  };
}
