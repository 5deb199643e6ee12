import { createHash } from 'node:crypto';

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
  private readonly entries = new Map<string, CachedAnswer>();
  private bytes = 0;

  constructor(private readonly limits: AnswerCacheLimits = ANSWER_CACHE_LIMITS) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  get(version: string, key: string): CachedAnswer | undefined {
    if (version !== this.version) return undefined;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /**
   * Keeps `body` as the answer to `key` under catalog `version`, and returns it with its ETag (the
   * catalog version and a hash of the key: an answer made from another catalog, or for another
   * query, never shares it). An answer bigger than the whole budget is returned but not kept.
   */
  set(version: string, key: string, body: Buffer): CachedAnswer {
    const answer = { body, etag: `"${version}-${createHash('sha256').update(key).digest('base64url').slice(0, 22)}"` };
    // An older build finishing after the catalog moved on must not bring back the older version's entries.
    if (this.version !== null && version !== this.version && this.isOlder(version)) return answer;
    if (version !== this.version) this.clear(version);
    this.remove(key);
    if (body.length > this.limits.maxBytes) return answer;
    this.entries.set(key, answer);
    this.bytes += body.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.remove(oldest);
    }
    return answer;
  }

  private isOlder(version: string): boolean {
    return catalogEpoch(version) < catalogEpoch(this.version ?? '');
  }

  private remove(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.bytes -= found.body.length;
  }

  private clear(version: string): void {
    this.entries.clear();
    this.bytes = 0;
    this.version = version;
  }
}

/** A catalog version is `<boot id>.<epoch>`: the epoch counts catalog changes since the store started. */
function catalogEpoch(version: string): number {
  return Number(version.slice(version.lastIndexOf('.') + 1)) || 0;
}

/** Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks of If-None-Match; `*` matches any). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === bare;
  });
}
