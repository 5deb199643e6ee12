import { NO_RATING, type RatingSummary } from '@oko/shared';
import type { ReviewRepository, StoredReview } from './review-repository.js';

export function newestFirst(a: StoredReview, b: StoredReview): number {
  return a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0;
}

export function ratingOfReviews(reviews: readonly StoredReview[]): RatingSummary {
  if (reviews.length === 0) return NO_RATING;
  const sum = reviews.reduce((total, r) => total + r.rating, 0);
  return { average: Math.round((sum / reviews.length) * 10) / 10, count: reviews.length };
}

/**
 * Every review in memory, per plugin name, newest first, with each name's rating: what both
 * review repositories (reviews.json, and the PostgreSQL mirror of each replica) answer their
 * synchronous reads from. Each keeps it current its own way through replaceAll and setName.
 */
export abstract class ReviewIndex implements Pick<ReviewRepository, 'list' | 'has' | 'findBy' | 'ratingOf' | 'rated'> {
  private byName = new Map<string, StoredReview[]>();
  private ratings = new Map<string, RatingSummary>();

  /** The reviews of `name`, newest first. */
  list(name: string): readonly StoredReview[] {
    return this.byName.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  findBy(name: string, reviewerKey: string): StoredReview | undefined {
    return this.list(name).find((r) => r.reviewer_key === reviewerKey);
  }

  ratingOf(name: string): RatingSummary {
    return this.ratings.get(name) ?? NO_RATING;
  }

  /** Every name with reviews: for the fold. */
  rated(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** Takes `byName` (each list newest first) as the whole set. */
  protected replaceAll(byName: Map<string, StoredReview[]>): void {
    this.byName = byName;
    this.ratings = new Map([...byName].map(([name, list]) => [name, ratingOfReviews(list)]));
  }

  /** Takes `list` (newest first) as every review of `name`; an empty list forgets the name. */
  protected setName(name: string, list: StoredReview[]): void {
    if (list.length === 0) {
      this.byName.delete(name);
      this.ratings.delete(name);
    } else {
      this.byName.set(name, list);
      this.ratings.set(name, ratingOfReviews(list));
    }
  }
}
