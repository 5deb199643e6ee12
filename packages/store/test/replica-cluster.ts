import { createHash } from 'node:crypto';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { startStore, type StoreProcess } from '../../../test-support/processes.js';
import { startS3, type S3Server } from '../../../test-support/s3.js';
import { request } from '../../../test-support/http.js';
import { json } from './helpers.js';

/**
 * Store replicas as real processes on free ports, sharing one real PostgreSQL database and one
 * s3rver bucket (the PostgreSQL + S3 setup), each with its own scratch folder: what the
 * three-replica tests of issue 18 run against.
 */
export interface ReplicaCluster {
  pg: PostgresServer;
  s3: S3Server;
  databaseUrl: string;
  /** What every replica was started with (database, bucket, AWS_*, and the test's own settings). */
  env: Record<string, string>;
  replicas: StoreProcess[];
  /** Kills replica i (kill -9) and starts it again on its scratch folder (another port); replaces it in `replicas`. */
  killAndRestart(i: number): Promise<StoreProcess>;
  stop(): Promise<void>;
}

export async function startCluster(count: number, settings: Record<string, string> = {}): Promise<ReplicaCluster> {
  const pg = await startPostgres();
  const s3 = await startS3().catch(async (error: unknown) => {
    await pg.stop();
    throw error;
  });
  const replicas: StoreProcess[] = [];
  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await s3.stop();
    await pg.stop();
  };
  try {
    const databaseUrl = await pg.createDatabase('replicas');
    const env = { ...s3.env, OKO_STORE_DATABASE_URL: databaseUrl, OKO_STORE_STATS_FOLD_S: '0', ...settings };
    // One at a time: the first applies the migrations (the others would wait on its lock anyway).
    for (let i = 0; i < count; i++) replicas.push(await startStore({ env }));
    return {
      pg,
      s3,
      databaseUrl,
      env,
      replicas,
      async killAndRestart(i) {
        await replicas[i]!.kill();
        replicas[i] = await replicas[i]!.restart();
        return replicas[i]!;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface ListedEntry {
  id: string;
  name: string;
  version: string;
  sha256: string;
  publisher: string;
}

/** Every version a replica lists (all pages of all_versions), sorted by name and version. */
export async function listAll(store: { api: string }): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  for (let page = 1; ; page++) {
    const body = await json(await request(`${store.api}/plugins?all_versions=true&per_page=200&page=${page}`));
    for (const { id, name, version, sha256, publisher } of body.plugins as ListedEntry[])
      entries.push({ id, name, version, sha256, publisher });
    if (page * 200 >= body.total) break;
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/** Downloads an entry through a replica and returns the SHA-256 of the bytes that arrived (null when refused). */
export async function downloadSha(store: { api: string }, id: string): Promise<string | null> {
  const response = await request(`${store.api}/plugins/${id}/download`);
  if (response.status !== 200) return null;
  return createHash('sha256')
    .update(Buffer.from(await response.arrayBuffer()))
    .digest('hex');
}
