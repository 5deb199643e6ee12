import { createHash } from 'node:crypto';
import { BoundedLru } from '@oko/shared/server';

/** One cached answer: the bytes the route's schema serializer produced, and their strong ETag. */
export interface CachedAnswer {
  body: Buffer;
  etag: string;
}

export interface AnswerCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** Enough for every page and search a busy dashboard asks for, small beside the store's own memory. */
export const ANSWER_CACHE_LIMITS: AnswerCacheLimits = { maxEntries: 2000, maxBytes: 32 * 1024 * 1024 };

/**
 * Serialized answers of the read routes, kept per catalog version: the same page is read far more
 * often than the catalog changes, and serializing it again per request cost most of the list's
 * time. Entries of an older catalog version are dropped all at once when a newer one is asked
 * for, so no answer outlives the catalog it was made from. Bounded by count and bytes (LRU: a
 * Map keeps insertion order, and a hit is moved to its end).
 */
export class AnswerCache {
  private version: string | null = null;
  private readonly entries: BoundedLru<string, CachedAnswer>;

  constructor(limits: AnswerCacheLimits = ANSWER_CACHE_LIMITS) {
    this.entries = new BoundedLru(limits.maxEntries, limits.maxBytes, (answer) => answer.body.length);
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.heldBytes };
  }

  get(version: string, key: string): CachedAnswer | undefined {
    return version === this.version ? this.entries.get(key) : undefined;
  }

  /**
   * Keeps `body` as the answer to `key` under catalog `version`, and returns it with its ETag. An
   * answer bigger than the whole budget is returned but not kept.
   *
   * The ETag is a hash of the key and the bytes, not of `version`: a version counts this process's
   * catalog changes since it started, so two replicas on one PostgreSQL catalog gave the same answer
   * two ETags, and a backend revalidating through a load balancer got a 200 where a 304 would do.
   * The same bytes for the same query have the same strong ETag on every replica and across
   * restarts; any change to the bytes (a publish, a delete, a new rating or install count) gives a
   * new one. Hashed once per answer made, never per request.
   */
  set(version: string, key: string, body: Buffer): CachedAnswer {
    const etag = `"${createHash('sha256').update(key).update('\n').update(body).digest('base64url').slice(0, 32)}"`;
    const answer = { body, etag };
    // An older build finishing after the catalog moved on must not bring back the older version's entries.
    if (this.version !== null && version !== this.version && this.isOlder(version)) return answer;
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    this.entries.set(key, answer);
    return answer;
  }

  private isOlder(version: string): boolean {
    return catalogEpoch(version) < catalogEpoch(this.version ?? '');
  }
}

/** A catalog version is `<boot id>.<epoch>`: the epoch counts catalog changes since the store started. */
function catalogEpoch(version: string): number {
  return Number(version.slice(version.lastIndexOf('.') + 1)) || 0;
}
