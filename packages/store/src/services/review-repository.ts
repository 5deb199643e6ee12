import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSchema, createError, formatIssues, Review, type RatingSummary } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { newestFirst, ReviewIndex } from './review-index.js';

export const REVIEWS_FILE = 'reviews.json';

/**
 * What reviews.json may hold. On an open store anyone can send a new X-OKO-Instance with every
 * post, and the file is rewritten whole on each change: without a bound a script makes every post
 * slower and the file as large as the disk. Past a bound new reviews are refused (REVIEWS_FULL),
 * never older ones evicted: they are people's words, and the admin decides which to delete.
 */
export interface ReviewLimits {
  /** Reviews of one plugin name (one per reviewer). */
  perName: number;
  /**
   * Bytes of reviews.json: a change that would make it larger past this is refused. Each change
   * serializes the whole file on the event loop (about 70 ms at 8 MiB, 270 ms at 32), so this is
   * kept small: thousands of reviews, and a loop of posts cannot stall every other request long.
   */
  fileBytes: number;
  /**
   * Reviews over all names, in PostgreSQL, where file bytes mean nothing: each replica keeps every
   * review in memory (reads stay synchronous), so this bounds that memory instead.
   */
  total?: number;
}
export const REVIEW_LIMITS: Required<ReviewLimits> = { perName: 5_000, fileBytes: 8 * 1024 * 1024, total: 50_000 };

/** A review as kept: the answer's fields plus whose it is (a downloaderKey, never a token or an instance id). */
export const StoredReview = Type.Object({ ...Review.properties, reviewer_key: Type.String({ minLength: 1 }) });
export type StoredReview = Static<typeof StoredReview>;
const ReviewsFile = Type.Object({ format: Type.Literal(1), reviews: Type.Array(StoredReview) });

export function publicReview({ reviewer_key: _key, ...review }: StoredReview): Review {
  return review;
}

/**
 * Where reviews are kept: reviews.json (JsonReviewRepository) or PostgreSQL (openPgReviews). Reads
 * are synchronous, from memory that follows every change; writes settle once they are stored.
 */
export interface ReviewRepository {
  /** The reviews of `name`, newest first. */
  list(name: string): readonly StoredReview[];
  has(name: string): boolean;
  findBy(name: string, reviewerKey: string): StoredReview | undefined;
  ratingOf(name: string): RatingSummary;
  /** Every name with reviews: for the fold. */
  rated(): Iterable<string>;
  /**
   * Stores `make(previous)` as the review of its reviewer and name, replacing the earlier one in
   * the same step (two posts at once by one reviewer still leave one review); REVIEWS_FULL past a bound.
   */
  save(name: string, reviewerKey: string, make: (previous: StoredReview | undefined) => StoredReview): Promise<StoredReview>;
  /** Removes review `id` of `name`; REVIEW_NOT_FOUND when there is none. */
  remove(name: string, id: string): Promise<StoredReview>;
  /** Rises with every change, wherever it was made: the stats fold takes ratings at once when it moved. */
  readonly changes: number;
}

export function reviewsFull(name: string, perName: number): Error {
  return createError(
    'REVIEWS_FULL',
    `Plugin '${name}' has ${perName} reviews, as many as this store keeps; the store admin can delete some to make room`,
  );
}

/**
 * reviews.json: every review, one per reviewer and plugin name, loaded once, rewritten whole and
 * atomically on each change, one change at a time (as publishers.json). A file that cannot be read
 * stops the start: reviews are people's words, never read as "no reviews" and overwritten.
 */
export class JsonReviewRepository extends ReviewIndex implements ReviewRepository {
  private queue: Promise<unknown> = Promise.resolve();
  /** Rises with every change: the stats fold takes ratings at once when it moved. */
  changes = 0;
  /** Size of reviews.json as last read or written. */
  private bytes = 0;

  private constructor(
    private readonly file: string,
    private readonly limits: ReviewLimits,
  ) {
    super();
  }

  static async open(storagePath: string, limits: ReviewLimits = REVIEW_LIMITS): Promise<JsonReviewRepository> {
    const repo = new JsonReviewRepository(path.join(storagePath, REVIEWS_FILE), limits);
    let text: string;
    try {
      text = await readFile(repo.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return repo;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error(`${repo.file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const issues = checkSchema(ReviewsFile, data, REVIEWS_FILE);
    if (issues.length > 0) throw new Error(`${repo.file} is not a reviews file: ${formatIssues(issues.slice(0, 3))}`);
    repo.takeAll((data as Static<typeof ReviewsFile>).reviews);
    repo.bytes = Buffer.byteLength(text);
    return repo;
  }

  /** The whole file's reviews, in file order, as the index. */
  private takeAll(reviews: readonly StoredReview[]): void {
    const byName = new Map<string, StoredReview[]>();
    // Last first: a review saved later goes to the end of the file, so it stays first among equal updated_at times.
    for (const review of [...reviews].reverse()) {
      const same = byName.get(review.plugin);
      if (same) same.push(review);
      else byName.set(review.plugin, [review]);
    }
    for (const list of byName.values()) list.sort(newestFirst);
    this.replaceAll(byName);
  }

  /**
   * Stores `make(previous)` as the review of its reviewer and name, replacing the earlier one in
   * the same step (two posts at once by one reviewer still leave one review).
   */
  save(name: string, reviewerKey: string, make: (previous: StoredReview | undefined) => StoredReview): Promise<StoredReview> {
    return this.write((all) => {
      const previous = all.find((r) => r.plugin === name && r.reviewer_key === reviewerKey);
      if (!previous && this.list(name).length >= this.limits.perName) throw reviewsFull(name, this.limits.perName);
      const review = make(previous);
      return { next: [...all.filter((r) => r !== previous), review], result: review };
    });
  }

  /** Removes review `id` of `name`; REVIEW_NOT_FOUND when there is none. */
  remove(name: string, id: string): Promise<StoredReview> {
    return this.write((all) => {
      const found = all.find((r) => r.plugin === name && r.id === id);
      if (!found) throw createError('REVIEW_NOT_FOUND', `No review '${id}' of plugin '${name}'`);
      return { next: all.filter((r) => r !== found), result: found };
    });
  }

  /** One change at a time; memory follows the file only once it is safely written. */
  private write<T>(change: (all: readonly StoredReview[]) => { next: StoredReview[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      const { next, result } = change([...this.rated()].flatMap((name) => this.list(name)));
      const text = `${JSON.stringify({ format: 1, reviews: next })}\n`;
      const bytes = Buffer.byteLength(text);
      // A change that shrinks the file (a delete, a shorter review) is always let through.
      if (bytes > this.limits.fileBytes && bytes > this.bytes) {
        throw createError(
          'REVIEWS_FULL',
          `The store's reviews reached ${this.limits.fileBytes} bytes, as much as it keeps; the store admin can delete some to make room`,
        );
      }
      await writeFileAtomic(this.file, text);
      this.takeAll(next);
      this.bytes = bytes;
      this.changes++;
      return result;
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
