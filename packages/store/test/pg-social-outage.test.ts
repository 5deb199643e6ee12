import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { openPgInstalls } from '../src/postgres/pg-install-counter.js';
import { openPgReviews } from '../src/postgres/pg-review-repository.js';
import { downloaderKey } from '../src/services/install-counter.js';
import { REVIEW_LIMITS, type StoredReview } from '../src/services/review-repository.js';
import { openReplica, recordingLog, startPostgres, usePostgres } from './pg-helpers.js';

// Reviews and install counts when PostgreSQL goes away or refuses writes.
const postgres = usePostgres({ ignoreCleanupErrors: true });
const cleanups = postgres.cleanups;

function review(name: string, key: string, rating: number) {
  const at = new Date().toISOString();
  return (previous: StoredReview | undefined): StoredReview => ({
    id: previous?.id ?? randomBytes(8).toString('hex'),
    plugin: name,
    version: null,
    rating,
    title: '',
    body: '',
    reviewer: key,
    verified_install: false,
    created_at: previous?.created_at ?? at,
    updated_at: at,
    reviewer_key: key,
  });
}

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.server.url });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

describe('reviews and install counts without their database', () => {
  it('answers writes 503 DATABASE_UNAVAILABLE once PostgreSQL is gone, reads from its mirror, and says which counts it could not write', async () => {
    const own = await startPostgres();
    cleanups.push(() => own.stop());
    const url = await own.createDatabase('gone');
    const { log, errors, warnings } = recordingLog();
    const replica = await openReplica(url, log, 'social_gone');
    cleanups.push(() => replica.close());
    const reviews = await openPgReviews(replica.db, replica.feed, log, REVIEW_LIMITS);
    const installs = await openPgInstalls(replica.db, replica.feed, log, { flushMs: 60_000 });
    const kept = await reviews.save('alpha', 'key-a', review('alpha', 'key-a', 4));
    installs.record('alpha', '1.0.0', downloaderKey('instance:a'));
    await installs.flush();

    await own.stop();
    await expect(reviews.save('alpha', 'key-b', review('alpha', 'key-b', 1))).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      statusCode: 503,
    });
    await expect(reviews.remove('alpha', kept.id)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(reviews.list('alpha')).toEqual([kept]);
    expect(reviews.ratingOf('alpha')).toEqual({ average: 4, count: 1 });

    // Counting goes on in memory; writing it fails, is logged, and is kept for later.
    installs.record('alpha', '1.0.0', downloaderKey('instance:b'));
    installs.record('alpha', '1.0.0', null);
    await installs.flush();
    expect(warnings.some((line) => line.includes('could not be written'))).toBe(true);
    expect(installs.statsOf('alpha')).toEqual({ downloads: 3, instances: 1 });
    await expect(installs.downloadedBy('alpha', downloaderKey('instance:a'))).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    await installs.close();
    expect(errors.some((line) => line.includes('not written to PostgreSQL before closing'))).toBe(true);
  });

  it('keeps counting while the database refuses writes and writes every count once it accepts them again', async () => {
    const url = await postgres.server.createDatabase('frozen');
    const database = url.slice(url.lastIndexOf('/') + 1);
    const { log } = recordingLog();
    const replica = await openReplica(url, log, 'social_frozen');
    cleanups.push(() => replica.close());
    const reviews = await openPgReviews(replica.db, replica.feed, log, REVIEW_LIMITS);
    const installs = await openPgInstalls(replica.db, replica.feed, log, { flushMs: 60_000 });
    cleanups.push(() => installs.close());

    await admin(`ALTER DATABASE ${database} SET default_transaction_read_only = on`);
    // The pool's open sessions keep their setting: end them, so every new one starts read-only.
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'social_frozen'`);
    const refused = await eventually(
      () =>
        reviews.save('alpha', 'key-a', review('alpha', 'key-a', 3)).then(
          () => null,
          (error: unknown) => error as { code: string; message: string },
        ),
      (error) => error !== null && error.message.includes('refuses writes'),
    );
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', statusCode: 503 });
    for (const who of ['a', 'b', 'a']) installs.record('alpha', '1.0.0', downloaderKey(`instance:${who}`));
    await installs.flush();
    installs.record('alpha', '1.1.0', downloaderKey('instance:c'));
    await installs.flush();
    expect(installs.statsOf('alpha')).toEqual({ downloads: 4, instances: 0 });

    await admin(`ALTER DATABASE ${database} RESET default_transaction_read_only`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'social_frozen'`);
    await eventually(
      async () => {
        await installs.flush();
        return installs.statsOf('alpha');
      },
      (stats) => stats.instances === 3,
    );
    expect(installs.statsOf('alpha')).toEqual({ downloads: 4, instances: 3 });
    expect(await installs.downloadedBy('alpha', downloaderKey('instance:c'))).toBe('1.1.0');
  });
});
