import { createError, isOkoError, type Review, type ReviewList, type ReviewListQuery, type ReviewRequest } from '@oko/shared';
import type { StoreAnswer, StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';

/**
 * Reviews relayed to the store in this dashboard's name (README "Ratings, reviews and install
 * counts"): anyone signed in reads them, an admin writes one, and only for a plugin installed here
 * from the store, with the version installed.
 */
export class StoreReviews {
  constructor(
    private readonly client: StoreClient,
    private readonly plugins: Pick<PluginRegistryPort, 'get'>,
  ) {}

  list(name: string, query: ReviewListQuery): Promise<ReviewList> {
    return this.client.listReviews(name, query);
  }

  async post(name: string, request: ReviewRequest): Promise<StoreAnswer<Review>> {
    const installed = await this.plugins.get(name);
    if (!installed) throw createError('NOT_INSTALLED', `Plugin '${name}' is not installed here; install it to review it`);
    // Builtin plugins ship with the backend: whatever the store has under that name is not what runs here.
    if (installed.scope === 'builtin') {
      throw createError(
        'NOT_INSTALLED',
        `Plugin '${name}' is built into this dashboard, not installed from the store; it cannot be reviewed`,
      );
    }
    // A development plugin is the author's working copy, sent by `oko-plugin dev`: not the store's package of that name.
    if (installed.scope === 'dev') {
      throw createError(
        'NOT_INSTALLED',
        `Plugin '${name}' is a development plugin here, not installed from the store; it cannot be reviewed`,
      );
    }
    // The version is this dashboard's fact, not the browser's.
    const review: ReviewRequest = { ...request, ...(installed.version ? { version: installed.version } : {}) };
    try {
      return await this.client.postReview(name, review);
    } catch (error) {
      throw this.credentialRefusal(error);
    }
  }

  /**
   * A store that requires keys takes reviews from a dashboard token only: without OKO_STORE_TOKEN
   * it refuses (401, or 403 for a key that is no dashboard token). Say which variable to set.
   */
  private credentialRefusal(error: unknown): unknown {
    if (this.client.hasToken || !isOkoError(error)) return error;
    if (error.code !== 'UNAUTHORIZED' && error.code !== 'TOKEN_NOT_ALLOWED') return error;
    const message =
      `${error.message}. This store takes reviews from a dashboard token: ask the store admin for one ` +
      '(POST /publishers with kind "dashboard") and set OKO_STORE_TOKEN on this backend';
    return createError(error.code, message, { status: error.statusCode, cause: error });
  }
}
