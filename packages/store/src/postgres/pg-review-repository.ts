import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { createError } from '@oko/shared';
import { REVIEW_LIMITS, reviewsFull, type ReviewLimits, type ReviewRepository, type StoredReview } from '../services/review-repository.js';
import { ReviewIndex } from '../services/review-index.js';
import { LOCKS } from './advisory-lock.js';
import { notifyChange, type ChangeFeed } from './change-feed.js';
import type { Database, Queryable } from './database.js';
import { withDatabase } from './unavailable.js';

interface ReviewRow {
  name: string;
  reviewer_key: string;
  id: string;
  version: string | null;
  rating: number;
  title: string;
  body: string;
  reviewer: string;
  verified_install: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, reviewer_key, id, version, rating, title, body, reviewer, verified_install, created_at, updated_at';
/** Newest first; `revision` rises with every write, so of two saved in one millisecond the later comes first, as in reviews.json. */
const ORDER = 'updated_at DESC, revision DESC';

function fromRow(row: ReviewRow): StoredReview {
  return {
    id: row.id,
    plugin: row.name,
    version: row.version,
    rating: row.rating,
    title: row.title,
    body: row.body,
    reviewer: row.reviewer,
    verified_install: row.verified_install,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    reviewer_key: row.reviewer_key,
  };
}

/** What a notification on 'oko_reviews' says: which replica wrote, and the name whose reviews changed. */
interface ReviewChange {
  by: string;
  name: string;
}

function parseChange(payload: string): ReviewChange | null {
  try {
    const change = JSON.parse(payload) as Partial<ReviewChange>;
    return typeof change.by === 'string' && typeof change.name === 'string' ? { by: change.by, name: change.name } : null;
  } catch {
    return null;
  }
}

/**
 * Reviews in PostgreSQL (003-reviews-and-installs.ts), behind the same synchronous reads as
 * reviews.json: each replica keeps a mirror of every review, reloaded per name on a NOTIFY
 * 'oko_reviews' from any replica (all of it after the feed reconnects). Writes are decided in one
 * transaction under an advisory lock (reviews are rare writes, like uploads), so the per-name and
 * total bounds hold exactly whichever replicas post at once, and the primary key (name,
 * reviewer_key) keeps one review per reviewer. A replica's own write is in its mirror before
 * save() or remove() resolves.
 */
class PgReviewRepository extends ReviewIndex implements ReviewRepository {
  /** Mirror loads, one at a time in the order asked, so an older answer never lands after a newer one. */
  private loads: Promise<unknown> = Promise.resolve();
  private retry: NodeJS.Timeout | null = null;
  private moved = 0;
  /** Tells this replica's own notifications from the others'. */
  private readonly replica = randomBytes(8).toString('hex');

  constructor(
    private readonly db: Database,
    private readonly log: FastifyBaseLogger,
    private readonly limits: Required<ReviewLimits>,
  ) {
    super();
  }

  get changes(): number {
    return this.moved;
  }

  listen(feed: ChangeFeed): void {
    feed.on('oko_reviews', (payload) => {
      const change = payload === null ? null : parseChange(payload);
      if (change?.by === this.replica) return;
      void this.reload(change?.name ?? null).catch(() => undefined);
    });
  }

  async save(name: string, reviewerKey: string, make: (previous: StoredReview | undefined) => StoredReview): Promise<StoredReview> {
    const review = await this.write(async (tx) => {
      const found = await tx.query<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE name = $1 AND reviewer_key = $2`, [name, reviewerKey]);
      const previous = found.rows[0] ? fromRow(found.rows[0]) : undefined;
      if (!previous) await this.assertRoom(tx, name);
      const next = make(previous);
      await tx.query(
        `INSERT INTO reviews (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (name, reviewer_key) DO UPDATE SET
           id = excluded.id, version = excluded.version, rating = excluded.rating, title = excluded.title, body = excluded.body,
           reviewer = excluded.reviewer, verified_install = excluded.verified_install, created_at = excluded.created_at,
           updated_at = excluded.updated_at, revision = nextval('reviews_revision')`,
        [
          ...[name, reviewerKey, next.id, next.version, next.rating, next.title, next.body],
          ...[next.reviewer, next.verified_install, next.created_at, next.updated_at],
        ],
      );
      await notifyChange(tx, 'oko_reviews', JSON.stringify({ by: this.replica, name } satisfies ReviewChange));
      return next;
    });
    await this.reload(name).catch(() => this.patch(name, (list) => [review, ...list.filter((r) => r.reviewer_key !== reviewerKey)]));
    return review;
  }

  private async assertRoom(tx: Queryable, name: string): Promise<void> {
    const { rows } = await tx.query<{ of_name: string; of_all: string }>(
      'SELECT count(*) FILTER (WHERE name = $1) AS of_name, count(*) AS of_all FROM reviews',
      [name],
    );
    if (Number(rows[0]?.of_name) >= this.limits.perName) throw reviewsFull(name, this.limits.perName);
    if (Number(rows[0]?.of_all) >= this.limits.total) {
      throw createError(
        'REVIEWS_FULL',
        `The store keeps ${this.limits.total} reviews, and has as many; the store admin can delete some to make room`,
      );
    }
  }

  async remove(name: string, id: string): Promise<StoredReview> {
    const removed = await this.write(async (tx) => {
      const { rows } = await tx.query<ReviewRow>(`DELETE FROM reviews WHERE name = $1 AND id = $2 RETURNING ${COLUMNS}`, [name, id]);
      if (!rows[0]) throw createError('REVIEW_NOT_FOUND', `No review '${id}' of plugin '${name}'`);
      await notifyChange(tx, 'oko_reviews', JSON.stringify({ by: this.replica, name } satisfies ReviewChange));
      return fromRow(rows[0]);
    });
    await this.reload(name).catch(() => this.patch(name, (list) => list.filter((r) => r.id !== id)));
    return removed;
  }

  /**
   * One write: a transaction under the reviews' advisory lock; DATABASE_UNAVAILABLE (503) when
   * PostgreSQL is not there or refuses writes.
   */
  private write<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return withDatabase(() =>
      this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.reviews]);
        return work(tx);
      }),
    );
  }

  /**
   * Reloads the reviews of `name`, or all of them (null). A load that fails (the database away)
   * is retried whole until one succeeds, so the mirror catches up with what it missed.
   */
  reload(name: string | null): Promise<void> {
    const run = async () => {
      try {
        if (name === null) await this.loadAll();
        else await this.loadName(name);
        this.moved++;
      } catch (error) {
        this.log.warn({ err: error, name }, 'PostgreSQL reviews: reloading the mirror failed; retrying');
        this.retryLater();
        throw error;
      }
    };
    const done = this.loads.then(run, run);
    this.loads = done.catch(() => undefined);
    return done;
  }

  private retryLater(): void {
    if (this.retry || this.db.pool.ending) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.reload(null).catch(() => undefined);
    }, 1000);
    this.retry.unref();
  }

  private async loadAll(): Promise<void> {
    const { rows } = await this.db.query<ReviewRow>(`SELECT ${COLUMNS} FROM reviews ORDER BY name, ${ORDER}`);
    const byName = new Map<string, StoredReview[]>();
    for (const row of rows) {
      const same = byName.get(row.name);
      if (same) same.push(fromRow(row));
      else byName.set(row.name, [fromRow(row)]);
    }
    this.replaceAll(byName);
  }

  private async loadName(name: string): Promise<void> {
    const { rows } = await this.db.query<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE name = $1 ORDER BY ${ORDER}`, [name]);
    this.setName(name, rows.map(fromRow));
  }

  /**
   * A committed write whose reload failed (the database went away just after): the mirror takes
   * the write as this replica made it, and the full reload being retried brings the rest.
   */
  private patch(name: string, change: (list: readonly StoredReview[]) => StoredReview[]): void {
    this.setName(name, change(this.list(name)));
    this.moved++;
  }
}

/**
 * Opens the reviews in PostgreSQL: listens before the first load, so no change made meanwhile is
 * missed. `limits.total` bounds every replica's mirror (REVIEW_LIMITS.total by default).
 */
export async function openPgReviews(
  db: Database,
  feed: ChangeFeed,
  log: FastifyBaseLogger,
  limits: ReviewLimits = REVIEW_LIMITS,
): Promise<ReviewRepository> {
  const repo = new PgReviewRepository(db, log, { ...limits, total: limits.total ?? REVIEW_LIMITS.total });
  repo.listen(feed);
  await repo.reload(null);
  return repo;
}
