import type { Database } from './database.js';

/** Advisory lock keys of the store's scheduled work: each runs on one replica at a time. */
export const LOCKS = {
  githubRefresh: 0x6f6b6f10,
  sweep: 0x6f6b6f11,
  /** Held for one transaction by each review write, so the per-name and total bounds hold across replicas. */
  reviews: 0x6f6b6f20,
  /** Held for one transaction by each batch of install counts, so the downloader caps hold across replicas. */
  installCounts: 0x6f6b6f21,
} as const;

/**
 * Runs `work` only if no other replica holds `key` (pg_try_advisory_lock on one session), and
 * returns whether it ran. The lock lives as long as that session: a replica killed mid-work loses
 * its connection, so PostgreSQL frees the lock and the next round elsewhere takes it.
 */
export async function runExclusive(db: Database, key: number, work: () => Promise<void>): Promise<boolean> {
  const client = await db.pool.connect();
  let broken = false;
  // A session cut while the work runs (no query in flight) reports on the client, not on a query:
  // unheard, that 'error' would end the process. The lock went with the session; the client is thrown away.
  const lost = () => {
    broken = true;
  };
  client.on('error', lost);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) return false;
    try {
      await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {
        broken = true; // a session that cannot unlock is thrown away, which frees the lock
      });
    }
    return true;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}
