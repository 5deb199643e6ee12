import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createError, INSTANCE_HEADER, isInstanceId } from '@oko/shared';
import { downloaderKey } from '../services/install-counter.js';
import type { PublisherRepository } from '../services/publisher-repository.js';
import { presentedKey, sameKey } from './api-key.js';

/** Who wrote a review: the key it is kept under (downloaderKey) and the label shown with it. */
export interface Reviewer {
  key: string;
  label: string;
}

function instanceOf(request: FastifyRequest): string | null {
  const value = request.headers[INSTANCE_HEADER];
  return isInstanceId(value) ? value : null;
}

/** The instance as shown: a hash prefix, never the id itself (whoever has the id can review as that dashboard). */
function instanceReviewer(instance: string): Reviewer {
  return {
    key: downloaderKey(`instance:${instance}`),
    label: `dashboard ${createHash('sha256').update(instance).digest('hex').slice(0, 8)}`,
  };
}

/**
 * Which dashboard a request comes from, for counting downloads and for reviews. A store with
 * OKO_STORE_API_KEY knows its dashboards by their tokens; an open store can only take the
 * X-OKO-Instance a backend sends at its word (README, Ratings, reviews and install counts).
 */
export class DashboardIdentity {
  constructor(
    private readonly apiKey: string | null,
    private readonly publishers: PublisherRepository,
  ) {}

  /**
   * A download's downloader: a dashboard token, else (on an open store only) a valid
   * X-OKO-Instance, else null (counted as a download only). Downloads are open reads, so on a store
   * with a key an instance id would let anyone add made-up dashboards to `instances` and climb
   * sort=installs, which a key is there to prevent.
   */
  async downloaderOf(request: FastifyRequest): Promise<string | null> {
    const key = presentedKey(request.headers);
    if (key !== null) {
      const token = await this.publishers.findByToken(key);
      if (token?.kind === 'dashboard') return downloaderKey(`token:${token.id}`);
    }
    if (this.apiKey !== null) return null;
    const instance = instanceOf(request);
    return instance === null ? null : downloaderKey(`instance:${instance}`);
  }

  /** The reviewer a review post or delete comes from, or the answer that says why there is none. */
  async reviewerOf(request: FastifyRequest): Promise<Reviewer> {
    if (this.apiKey === null) {
      const instance = instanceOf(request);
      if (instance === null) {
        throw createError(
          'INSTANCE_ID_REQUIRED',
          `A review on this store names its dashboard with the ${INSTANCE_HEADER} header (16-64 of A-Z a-z 0-9 _ -), as the dashboard backend sends it`,
        );
      }
      return instanceReviewer(instance);
    }
    const key = presentedKey(request.headers);
    if (key === null) {
      throw createError('UNAUTHORIZED', "Reviews on this store come from dashboards: send the dashboard's token as Authorization: Bearer");
    }
    if (sameKey(key, this.apiKey)) {
      throw createError('TOKEN_NOT_ALLOWED', "The store admin's key does not review: reviews are written with a dashboard token");
    }
    const token = await this.publishers.findByToken(key);
    if (token?.kind === 'dashboard') return { key: downloaderKey(`token:${token.id}`), label: token.name };
    if (token) throw createError('TOKEN_NOT_ALLOWED', `'${token.name}' is a publisher token: reviews are written with a dashboard token`);
    throw createError('UNAUTHORIZED', 'The token is not valid (a revoked token stops working at once)');
  }

  /** The caller as a reviewer when it names itself validly, else null: reading reviews needs no identity. */
  async knownReviewerOf(request: FastifyRequest): Promise<Reviewer | null> {
    return this.reviewerOf(request).catch(() => null);
  }
}
