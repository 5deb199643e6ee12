import { randomBytes } from 'node:crypto';
import { createError, type Review, type ReviewList, type ReviewListQuery, type ReviewRequest } from '@oko/shared';
import type { Reviewer } from '../lib/dashboard-identity.js';
import type { CatalogRepository } from './catalog-repository.js';
import type { InstallCounts } from './install-counter.js';
import type { PluginCatalog } from './plugin-catalog.js';
import { publicReview, type ReviewRepository } from './review-repository.js';

/**
 * C0 and C1 controls (a tab becomes a space first, a newline stays in a body) and the bidi
 * overrides and isolates, which can make a review read backwards or hide a word.
 */
// eslint-disable-next-line no-control-regex
const UNWANTED = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Half of a surrogate pair with no other half: no character at all, and stored as a 6-byte `\\udxxx` escape each. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A review's text as stored: plain text, shown escaped by every client; HTML stays the characters it was typed as. */
export function plainText(value: string | undefined, multiline: boolean): string {
  let text = (value ?? '').replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  if (!multiline) text = text.replace(/\n/g, ' ');
  return text.replace(UNWANTED, '').replace(LONE_SURROGATE, '\uFFFD').trim();
}

/** Reading, posting and deleting the reviews of plugin names (README, Ratings, reviews and install counts). */
export class ReviewBoard {
  constructor(
    private readonly reviews: ReviewRepository,
    private readonly counter: InstallCounts,
    private readonly catalog: CatalogRepository,
    private readonly plugins: PluginCatalog,
  ) {}

  /** Listed in this replica's copy, or once more after catching up (published through another replica a moment ago). */
  private async assertListed(name: string): Promise<void> {
    await this.plugins.catchUp.orNotFound(async () => {
      const { view } = await this.plugins.snapshot();
      if (!view.byName.has(name)) throw createError('PLUGIN_NOT_FOUND', `No plugin '${name}' in the store catalog`);
    });
  }

  private assertWritable(): void {
    const reason = this.catalog.readOnlyReason;
    if (reason) throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${reason}`);
  }

  /** A page of `name`'s reviews, newest first, with its rating and the caller's own review when the caller is known. */
  async list(name: string, query: ReviewListQuery, caller: Reviewer | null): Promise<ReviewList> {
    await this.assertListed(name);
    const all = this.reviews.list(name);
    const start = (query.page - 1) * query.per_page;
    const answer: ReviewList = {
      reviews: all.slice(start, start + query.per_page).map(publicReview),
      total: all.length,
      page: query.page,
      per_page: query.per_page,
      rating: this.reviews.ratingOf(name),
    };
    if (caller) {
      const mine = this.reviews.findBy(name, caller.key);
      answer.mine = mine ? publicReview(mine) : null;
    }
    return answer;
  }

  /** Posts `by`'s review of `name`, replacing their earlier one (which keeps its id and created_at). */
  async post(name: string, request: ReviewRequest, by: Reviewer): Promise<{ review: Review; created: boolean }> {
    this.assertWritable();
    await this.assertListed(name);
    const now = new Date().toISOString();
    const version = await this.counter.downloadedBy(name, by.key);
    let created = false;
    const stored = await this.reviews.save(name, by.key, (previous) => {
      created = previous === undefined;
      return {
        id: previous?.id ?? randomBytes(8).toString('hex'),
        plugin: name,
        version: version ?? null,
        rating: request.rating,
        title: plainText(request.title, false),
        body: plainText(request.body, true),
        reviewer: by.label,
        verified_install: version !== undefined,
        created_at: previous?.created_at ?? now,
        updated_at: now,
        reviewer_key: by.key,
      };
    });
    return { review: publicReview(stored), created };
  }

  /**
   * Removes a review (the admin's moderation). A name whose last version was deleted keeps its
   * reviews, so they can be deleted still; a name with neither is PLUGIN_NOT_FOUND.
   */
  async remove(name: string, id: string): Promise<Review> {
    this.assertWritable();
    if (!this.reviews.has(name)) await this.assertListed(name);
    return publicReview(await this.reviews.remove(name, id));
  }
}
