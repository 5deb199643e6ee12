import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { sha256 } from '../../../../test-support/fixtures.js';
import type { S3Server } from '../../../../test-support/s3.js';
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
