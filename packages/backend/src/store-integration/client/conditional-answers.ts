import { createHash } from 'node:crypto';
import { BoundedLru } from '@oko/shared/server';
import { badStoreAnswer, readBoundedBytes } from './store-answers.js';

/** A store answer with what identifies its content. */
export interface TaggedAnswer<T> {
  value: T;
  /** The store's ETag, or a digest of the bytes when it sends none: the same tag is the same content. */
  tag: string;
  /** Length of the body it was read from (what the caches beside it count against their bound). */
  bytes: number;
}

interface Remembered<T> extends TaggedAnswer<T> {
  /** Sent back as If-None-Match; undefined when the store sent no ETag. */
  etag: string | undefined;
  /** When the store last gave or confirmed it (a request sent at or after this time) ... */
  checkedAt: number;
  /** ... and in which generation: invalidate() starts a new one, so a write of this backend's is seen at once. */
  generation: number;
}

/** What one GET, conditional when an ETag is known, brought back. */
export type ConditionalResult = { notModified: true } | { notModified: false; body: Buffer; etag: string | undefined };

/** Reads the answer to a GET that sent If-None-Match when `sentEtag` is set: a 304 counts only then. */
export async function conditionalResult(
  response: Response,
  sentEtag: string | undefined,
  path: string,
  maxBytes: number,
  baseUrl: string,
): Promise<ConditionalResult> {
  if (response.status !== 304) {
    return {
      notModified: false,
      body: await readBoundedBytes(response, maxBytes, baseUrl),
      etag: response.headers.get('etag') ?? undefined,
    };
  }
  if (sentEtag === undefined) throw badStoreAnswer(baseUrl, `it answered 304 Not Modified to ${path}, which asked for no revalidation`);
  return { notModified: true };
}

type Fetcher = (etag: string | undefined) => Promise<ConditionalResult>;

/** The request under way for one path, and the one its later callers wait for. */
interface PathCalls<T> {
  running: Promise<TaggedAnswer<T>>;
  queued: Promise<TaggedAnswer<T>> | undefined;
}

/**
 * The last answer per path of a store read that pages repeat (the catalog list), so an unchanged
 * page costs the store a 304 and the backend no parse or check: the store's ETag is sent back as
 * If-None-Match, and a 304 reuses the parsed value. A store that sends no ETag answers in full;
 * when its bytes are the ones remembered, the parsed value is reused all the same.
 *
 * Callers of one path share requests as the plugin manager's ScanCoalescer shares scans: the
 * request under way may have been sent before a caller's own upload went in, so those arriving
 * during it share one request sent after it. At most two requests per path are in the air, however
 * many browsers ask, and every answer is the store's as of after the call.
 */
export class ConditionalAnswers<T> {
  private readonly remembered: BoundedLru<string, Remembered<T>>;
  private readonly calls = new Map<string, PathCalls<T>>();
  private generation = 0;

  constructor(
    limits: { maxEntries: number; maxBytes: number },
    /** Parses and checks a full answer; throws for one the backend cannot use (never remembered). */
    private readonly parse: (body: Buffer) => T,
    /**
     * An answer the store confirmed this recently is served as it is. Profiling GET /api/v1/store
     * showed the conditional request itself (a 304 round trip per browser request) as most of its
     * cost; within the window a page costs a map lookup. A change made elsewhere shows within it.
     */
    private readonly freshForMs = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.remembered = new BoundedLru(limits.maxEntries, limits.maxBytes, (answer) => answer.bytes);
  }

  /** Every remembered answer is asked again on its next use: this backend just changed the catalog (an upload, a review). */
  invalidate(): void {
    this.generation++;
  }

  get(path: string, fetchAnswer: Fetcher): Promise<TaggedAnswer<T>> {
    const known = this.remembered.get(path);
    if (known && known.generation === this.generation && this.now() - known.checkedAt < this.freshForMs) {
      return Promise.resolve(known);
    }
    const calls = this.calls.get(path);
    if (!calls) return this.start(path, fetchAnswer);
    if (!calls.queued) {
      const settle = () => undefined;
      calls.queued = calls.running.then(settle, settle).then(() => this.start(path, fetchAnswer));
    }
    return calls.queued;
  }

  /** Paths remembered; for tests of the bound. */
  get size(): number {
    return this.remembered.size;
  }

  private start(path: string, fetchAnswer: Fetcher): Promise<TaggedAnswer<T>> {
    const calls: PathCalls<T> = { running: this.refresh(path, fetchAnswer), queued: undefined };
    this.calls.set(path, calls);
    // Runs before the queued request starts (it was chained later), which then takes the slot.
    const done = () => {
      if (this.calls.get(path) === calls && !calls.queued) this.calls.delete(path);
    };
    calls.running.then(done, done);
    return calls.running;
  }

  private async refresh(path: string, fetchAnswer: Fetcher): Promise<TaggedAnswer<T>> {
    const known = this.remembered.get(path);
    const checkedAt = this.now();
    const generation = this.generation;
    const result = await fetchAnswer(known?.etag);
    if (result.notModified) {
      // The fetcher refuses a 304 it did not ask for, so `known` is there; checked again for the types.
      if (!known) throw new Error(`304 Not Modified for ${path} without a remembered answer`);
      return this.confirmed(known, checkedAt, generation);
    }
    const tag = result.etag ?? `"sha1-${createHash('sha1').update(result.body).digest('base64url')}"`;
    // The same ETag (a store that ignores If-None-Match) or the same bytes: nothing to parse again.
    if (known?.tag === tag) return this.confirmed(known, checkedAt, generation);
    const fresh: Remembered<T> = {
      value: this.parse(result.body),
      tag,
      bytes: result.body.length,
      etag: result.etag,
      checkedAt,
      generation,
    };
    this.remembered.set(path, fresh);
    return fresh;
  }

  /** The remembered answer, now known current as of a request sent at `checkedAt` in `generation`. */
  private confirmed(known: Remembered<T>, checkedAt: number, generation: number): Remembered<T> {
    known.checkedAt = checkedAt;
    known.generation = generation;
    return known;
  }
}
