import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPgReviews } from '../src/postgres/pg-review-repository.js';
import {
  JsonReviewRepository,
  REVIEW_LIMITS,
  type ReviewLimits,
  type ReviewRepository,
  type StoredReview,
} from '../src/services/review-repository.js';
import { openReplica, recordingLog, usePostgres } from './pg-helpers.js';

// One contract for where reviews are kept: reviews.json and PostgreSQL answer alike.
const postgres = usePostgres();
const cleanups = postgres.cleanups;

/** Opens a store of reviews, and `reopen` opens another on the same data (a restart, or another replica). */
type Open = (limits?: ReviewLimits) => Promise<{ repo: ReviewRepository; reopen: () => Promise<ReviewRepository> }>;

const openJson: Open = async (limits = REVIEW_LIMITS) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'oko-reviews-contract-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { repo: await JsonReviewRepository.open(dir, limits), reopen: () => JsonReviewRepository.open(dir, limits) };
};

const openPg: Open = async (limits = REVIEW_LIMITS) => {
  const url = await postgres.server.createDatabase('reviews');
  const open = async () => {
    const replica = await openReplica(url, recordingLog().log);
    cleanups.push(replica.close);
    return openPgReviews(replica.db, replica.feed, recordingLog().log, limits);
  };
  return { repo: await open(), reopen: open };
};

let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** A later time than any before, so newest-first is decided by the order of saves. */
const later = () => new Date((clock += 1000)).toISOString();

function review(name: string, key: string, rating: number, title = '') {
  const at = later();
  return (previous: StoredReview | undefined): StoredReview => ({
    id: previous?.id ?? randomBytes(8).toString('hex'),
    plugin: name,
    version: '1.0.0',
    rating,
    title,
    body: 'body',
    reviewer: `dashboard ${key}`,
    verified_install: false,
    created_at: previous?.created_at ?? at,
    updated_at: at,
    reviewer_key: key,
  });
}

describe.each([
  ['reviews.json', openJson],
  ['PostgreSQL', openPg],
])('review repository on %s', (_kind, open) => {
  it('keeps one review per reviewer and name: a second post replaces the first, keeping its id and created_at', async () => {
    const { repo, reopen } = await open();
    const first = await repo.save('alpha', 'key-a', review('alpha', 'key-a', 2, 'first'));
    const second = await repo.save('alpha', 'key-a', review('alpha', 'key-a', 5, 'second'));
    expect(second.id).toBe(first.id);
    expect(second.created_at).toBe(first.created_at);
    expect(second.updated_at > first.updated_at).toBe(true);
    expect(repo.list('alpha')).toEqual([second]);
    expect(repo.findBy('alpha', 'key-a')).toEqual(second);
    expect(repo.findBy('alpha', 'key-b')).toBeUndefined();
    // Stored as answered: a restart reads back the same review.
    expect((await reopen()).list('alpha')).toEqual([second]);
  });

  it('ends with one review when the same reviewer posts twice at once', async () => {
    const { repo } = await open();
    await Promise.all([repo.save('alpha', 'key-a', review('alpha', 'key-a', 1)), repo.save('alpha', 'key-a', review('alpha', 'key-a', 4))]);
    expect(repo.list('alpha')).toHaveLength(1);
  });

  it('lists newest first and sums ratings per name to one decimal; rated() names every reviewed name', async () => {
    const { repo } = await open();
    const before = repo.changes;
    await repo.save('alpha', 'key-a', review('alpha', 'key-a', 5));
    await repo.save('alpha', 'key-b', review('alpha', 'key-b', 4));
    await repo.save('alpha', 'key-c', review('alpha', 'key-c', 4));
    await repo.save('beta', 'key-a', review('beta', 'key-a', 1));
    expect(repo.changes).toBeGreaterThanOrEqual(before + 4);
    expect(repo.list('alpha').map((r) => r.reviewer_key)).toEqual(['key-c', 'key-b', 'key-a']);
    expect(repo.ratingOf('alpha')).toEqual({ average: 4.3, count: 3 });
    expect(repo.ratingOf('beta')).toEqual({ average: 1, count: 1 });
    expect(repo.ratingOf('gamma')).toEqual({ average: 0, count: 0 });
    expect(new Set(repo.rated())).toEqual(new Set(['alpha', 'beta']));
    expect(repo.has('beta') && !repo.has('gamma')).toBe(true);
  });

  it('refuses a new reviewer past the per-name bound with REVIEWS_FULL, evicting nothing; replacing and deleting still work', async () => {
    const { repo } = await open({ ...REVIEW_LIMITS, perName: 2 });
    await repo.save('alpha', 'key-a', review('alpha', 'key-a', 3));
    await repo.save('alpha', 'key-b', review('alpha', 'key-b', 3));
    await expect(repo.save('alpha', 'key-c', review('alpha', 'key-c', 3))).rejects.toMatchObject({ code: 'REVIEWS_FULL', statusCode: 409 });
    expect(
      repo
        .list('alpha')
        .map((r) => r.reviewer_key)
        .sort(),
    ).toEqual(['key-a', 'key-b']);
    await repo.save('alpha', 'key-a', review('alpha', 'key-a', 1));
    await repo.save('beta', 'key-c', review('beta', 'key-c', 3));
    await repo.remove('alpha', repo.findBy('alpha', 'key-b')!.id);
    await repo.save('alpha', 'key-c', review('alpha', 'key-c', 3));
    expect(repo.ratingOf('alpha')).toEqual({ average: 2, count: 2 });
  });

  it('removes a review by id, answers REVIEW_NOT_FOUND for one it does not have, and forgets a name left without reviews', async () => {
    const { repo, reopen } = await open();
    const saved = await repo.save('alpha', 'key-a', review('alpha', 'key-a', 5));
    await expect(repo.remove('alpha', 'no-such-id')).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND', statusCode: 404 });
    await expect(repo.remove('beta', saved.id)).rejects.toMatchObject({ code: 'REVIEW_NOT_FOUND' });
    const changes = repo.changes;
    expect(await repo.remove('alpha', saved.id)).toEqual(saved);
    expect(repo.changes).toBeGreaterThan(changes);
    expect(repo.list('alpha')).toEqual([]);
    expect(repo.has('alpha')).toBe(false);
    expect(repo.ratingOf('alpha')).toEqual({ average: 0, count: 0 });
    expect([...(await reopen()).rated()]).toEqual([]);
  });
});

describe('review repository on PostgreSQL: its own bound', () => {
  it('refuses a new review past the total bound with REVIEWS_FULL (file bytes mean nothing there)', async () => {
    const { repo } = await openPg({ ...REVIEW_LIMITS, fileBytes: 1, total: 3 });
    for (const [name, key] of [
      ['alpha', 'key-a'],
      ['beta', 'key-a'],
      ['gamma', 'key-a'],
    ] as const) {
      await repo.save(name, key, review(name, key, 4, 'x'.repeat(100)));
    }
    await expect(repo.save('delta', 'key-a', review('delta', 'key-a', 4))).rejects.toMatchObject({
      code: 'REVIEWS_FULL',
      message: expect.stringContaining('3 reviews'),
    });
    // A replacement is no new review: it goes through at the bound.
    await repo.save('alpha', 'key-a', review('alpha', 'key-a', 1));
    expect(repo.ratingOf('alpha')).toEqual({ average: 1, count: 1 });
  });
});
