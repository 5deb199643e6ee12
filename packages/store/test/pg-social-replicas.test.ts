import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { openPgInstalls } from '../src/postgres/pg-install-counter.js';
import { openPgReviews } from '../src/postgres/pg-review-repository.js';
import { downloaderKey, type InstallCounts } from '../src/services/install-counter.js';
import { REVIEW_LIMITS, type ReviewRepository, type StoredReview } from '../src/services/review-repository.js';
import { openReplica, type PgReplica, recordingLog, usePostgres } from './pg-helpers.js';

// Two replicas on one database: no replica keeps state another needs.
const postgres = usePostgres();
const cleanups = postgres.cleanups;

interface SocialReplica {
  replica: PgReplica;
  reviews: ReviewRepository;
  installs: InstallCounts;
}

async function twoReplicas(): Promise<[SocialReplica, SocialReplica]> {
  const url = await postgres.server.createDatabase('replicas');
  const open = async (name: string): Promise<SocialReplica> => {
    const replica = await openReplica(url, recordingLog().log, name);
    const reviews = await openPgReviews(replica.db, replica.feed, recordingLog().log, REVIEW_LIMITS);
    // Flushed by the tests themselves; other replicas' totals are read on each notification.
    const installs = await openPgInstalls(replica.db, replica.feed, recordingLog().log, { flushMs: 60_000, reloadMs: 0 });
    cleanups.push(async () => {
      await installs.close();
      await replica.close();
    });
    return { replica, reviews, installs };
  };
  return [await open('social_a'), await open('social_b')];
}

function review(name: string, key: string, rating: number) {
  const at = new Date().toISOString();
  return (previous: StoredReview | undefined): StoredReview => ({
    id: previous?.id ?? randomBytes(8).toString('hex'),
    plugin: name,
    version: null,
    rating,
    title: `rated ${rating}`,
    body: '',
    reviewer: key,
    verified_install: false,
    created_at: previous?.created_at ?? at,
    updated_at: at,
    reviewer_key: key,
  });
}

describe('reviews and install counts on two replicas of one database', () => {
  it("shows a review posted through one replica in the other's rating, and the other's changes rise for the stats fold", async () => {
    const [a, b] = await twoReplicas();
    const before = b.reviews.changes;
    await a.reviews.save('alpha', 'key-a', review('alpha', 'key-a', 4));
    expect(a.reviews.ratingOf('alpha')).toEqual({ average: 4, count: 1 });
    await eventually(
      () => b.reviews.ratingOf('alpha'),
      (r) => r.count === 1,
    );
    expect(b.reviews.changes).toBeGreaterThan(before);
    expect(b.reviews.findBy('alpha', 'key-a')?.title).toBe('rated 4');

    const id = b.reviews.findBy('alpha', 'key-a')!.id;
    await b.reviews.remove('alpha', id);
    await eventually(
      () => a.reviews.has('alpha'),
      (has) => !has,
    );
    await expect(a.reviews.remove('alpha', id)).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });
  });

  it('ends with one review when the same reviewer posts through both replicas at once', async () => {
    const [a, b] = await twoReplicas();
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        a.reviews.save(`name_${round}`, 'key-a', review(`name_${round}`, 'key-a', 1)),
        b.reviews.save(`name_${round}`, 'key-a', review(`name_${round}`, 'key-a', 5)),
      ]);
      for (const replica of [a, b]) {
        await eventually(
          () => replica.reviews.list(`name_${round}`),
          (list) => list.length === 1,
        );
      }
      // Both end with the review that was written last, whichever it was.
      await eventually(
        () => [a.reviews.findBy(`name_${round}`, 'key-a'), b.reviews.findBy(`name_${round}`, 'key-a')],
        ([x, y]) => x !== undefined && JSON.stringify(x) === JSON.stringify(y),
      );
    }
  });

  it('holds the per-name bound when new reviewers post through both replicas at once', async () => {
    const url = await postgres.server.createDatabase('bound');
    const open = async () => {
      const replica = await openReplica(url, recordingLog().log);
      cleanups.push(replica.close);
      return openPgReviews(replica.db, replica.feed, recordingLog().log, { ...REVIEW_LIMITS, perName: 3 });
    };
    const [a, b] = [await open(), await open()];
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).save('alpha', `key-${i}`, review('alpha', `key-${i}`, 3))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    await eventually(
      () => b.list('alpha').length,
      (n) => n === 3,
    );
  });

  it('adds up downloads counted on both replicas once each has written its batch', async () => {
    const [a, b] = await twoReplicas();
    for (let i = 0; i < 3; i++) a.installs.record('alpha', '1.0.0', downloaderKey(`instance:a-${i}`));
    for (let i = 0; i < 2; i++) b.installs.record('alpha', '1.0.0', downloaderKey(`instance:b-${i}`));
    b.installs.record('alpha', '1.0.0', downloaderKey('instance:a-0'));
    await Promise.all([a.installs.flush(), b.installs.flush()]);
    for (const replica of [a, b]) {
      await eventually(
        () => replica.installs.statsOf('alpha'),
        (s) => s.downloads === 6 && s.instances === 5,
      );
    }
    // Who downloaded is known on every replica once written.
    expect(await a.installs.downloadedBy('alpha', downloaderKey('instance:b-1'))).toBe('1.0.0');
    // This replica's own downloads count in its answers before they are written.
    a.installs.record('alpha', '1.0.0', null);
    expect(a.installs.statsOf('alpha').downloads).toBe(7);
  });

  it('reloads what it missed after its LISTEN connection is killed', async () => {
    const [a, b] = await twoReplicas();
    await a.reviews.save('seen', 'key-a', review('seen', 'key-a', 5));
    await eventually(() => b.reviews.has('seen'), Boolean);
    // Changes whose notifications never reached B: written behind both replicas' backs.
    await a.replica.db.query(
      `INSERT INTO reviews (name, reviewer_key, id, version, rating, title, body, reviewer, verified_install, created_at, updated_at)
       VALUES ('missed', 'key-b', 'abc123', NULL, 2, '', '', 'someone', false, now(), now())`,
    );
    await a.replica.db.query(`INSERT INTO install_counts (name, downloads, instances) VALUES ('missed', 42, 0)`);
    expect(b.reviews.has('missed')).toBe(false);
    expect(b.installs.statsOf('missed').downloads).toBe(0);
    const changes = [b.reviews.changes, b.installs.changes];

    // B's LISTEN connection cut, as a network blip or a restarted proxy would.
    const { rows } = await a.replica.db.query<{ cut: boolean }>(
      "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = 'social_b' AND query LIKE 'LISTEN%'",
    );
    expect(rows.map((r) => r.cut)).toEqual([true]);
    await eventually(
      () => b.reviews.ratingOf('missed'),
      (r) => r.count === 1 && r.average === 2,
    );
    await eventually(
      () => b.installs.statsOf('missed').downloads,
      (n) => n === 42,
    );
    expect(b.reviews.changes).toBeGreaterThan(changes[0]!);
    expect(b.installs.changes).toBeGreaterThan(changes[1]!);
    // And it hears notifications again.
    await a.reviews.save('after', 'key-a', review('after', 'key-a', 3));
    await eventually(() => b.reviews.has('after'), Boolean);
  });
});
