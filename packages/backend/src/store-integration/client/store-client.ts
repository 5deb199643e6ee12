import {
  createError,
  isOkoError,
  README_ASSET_MAX_BYTES,
  Review,
  ReviewList,
  StoreVersionList,
  type GithubImportRequest,
  type ReviewListQuery,
  type ReviewRequest,
  type StorePluginListQuery,
} from '@oko/shared';
import { ConditionalAnswers, type TaggedAnswer } from './conditional-answers.js';
import { Deadline } from './deadline.js';
import { watchedDownload } from './download-watch.js';
import {
  AnswerCheck,
  parseJsonAnswer,
  readBoundedBytes,
  StoreEntryAnswer,
  StoreHealthAnswer,
  StoreListAnswer,
  StoreUploadAnswer,
} from './store-answers.js';
import { storeUnavailable, tooBigPackage } from './store-errors.js';
import { StoreTransport, type StoreAnswer, type StoreClientOptions } from './store-transport.js';

export type { StoreAnswer, StoreClientOptions } from './store-transport.js';

/** An open package download: the body is read once, as a stream. */
export interface StoreDownload {
  body: AsyncIterable<Uint8Array>;
  /** Content-Length the store announced, if any. */
  contentLength: number | undefined;
  /** X-Checksum-Sha256 the store announced, if any. */
  sha256Header: string | undefined;
  /** Stops the transfer (used when the bytes already disagree with the catalog). */
  cancel: () => void;
}

const checks = {
  list: new AnswerCheck(StoreListAnswer, 'the catalog page'),
  entry: new AnswerCheck(StoreEntryAnswer, 'the catalog entry'),
  health: new AnswerCheck(StoreHealthAnswer, 'the health answer'),
  upload: new AnswerCheck(StoreUploadAnswer, 'the upload answer'),
  versions: new AnswerCheck(StoreVersionList, 'the version history'),
  reviews: new AnswerCheck(ReviewList, 'the review list'),
  review: new AnswerCheck(Review, 'the review'),
};

/** The store cuts a README at 256 KiB; a longer answer is not the store's README route speaking. */
const README_MAX_BYTES = 1024 * 1024;

/** A package's README as the store serves it. */
export interface StoreReadme {
  text: string;
  /** X-Oko-Readme-Cut: the store served the beginning only. */
  cut: boolean;
}

/** Catalog pages remembered for conditional requests: a few hundred queries, and a bound on their bytes. */
const REMEMBERED_PAGES = { maxEntries: 256, maxBytes: 32 * 1024 * 1024 };

/**
 * The backend's only link to the Plugin Store: the store's endpoints, called over StoreTransport
 * (store-transport.ts: the bounds, the credentials and how failures map to errors).
 */
export class StoreClient extends StoreTransport {
  private readonly pages: ConditionalAnswers<StoreListAnswer>;

  constructor(options: StoreClientOptions) {
    super(options);
    this.pages = new ConditionalAnswers(
      REMEMBERED_PAGES,
      (body) => checks.list.parse(parseJsonAnswer(body, this.baseUrl), this.baseUrl),
      options.catalogRevalidateMs ?? 0,
    );
  }

  /** Largest package an install downloads; the installer refuses bigger entries before any byte. */
  get maxPackageBytes(): number {
    return this.options.maxPackageBytes;
  }

  /** Catalog pages remembered for conditional requests; for tests of the bound. */
  get rememberedPages(): number {
    return this.pages.size;
  }

  /** `timeoutMs`: a bound shorter than OKO_STORE_TIMEOUT_MS, for a health shown while a page waits. */
  async health(timeoutMs?: number): Promise<StoreHealthAnswer> {
    return this.read('/health', {}, (response) => this.readAnswer(response, checks.health), false, timeoutMs);
  }

  async listPlugins(query: Partial<StorePluginListQuery> = {}): Promise<StoreListAnswer> {
    return (await this.listPage(query)).value;
  }

  /** A catalog page with a tag for its content; asked with If-None-Match when the store gave an ETag (conditional-answers.ts). */
  async listPage(query: Partial<StorePluginListQuery> = {}): Promise<TaggedAnswer<StoreListAnswer>> {
    const path = `/plugins${listSearch(query)}`;
    return this.pages.get(path, (etag) => this.getConditional(path, etag));
  }

  /** The catalog entry; the store accepts its id or the plugin's name. */
  async getPlugin(idOrName: string): Promise<StoreEntryAnswer> {
    return this.getJson(`/plugins/${encodeURIComponent(idOrName)}`, checks.entry);
  }

  /** Every version of plugin `name`, newest first (GET /plugins/{name}/versions). */
  async listVersions(name: string): Promise<StoreVersionList> {
    return this.getJson(`/plugins/${encodeURIComponent(name)}/versions`, checks.versions);
  }

  /** GET /plugins/{name}/reviews, newest first; with the dashboard's token, so `mine` is this dashboard's review. */
  async listReviews(name: string, query: ReviewListQuery): Promise<ReviewList> {
    return this.getJson(`/plugins/${encodeURIComponent(name)}/reviews${listSearch(query)}`, checks.reviews);
  }

  /** POST /plugins/{name}/reviews in the dashboard's name: its token when configured, else its instance id alone. */
  async postReview(name: string, review: ReviewRequest): Promise<StoreAnswer<Review>> {
    try {
      return await this.postAsDashboard(`/plugins/${encodeURIComponent(name)}/reviews`, review, checks.review);
    } finally {
      this.pages.invalidate(); // the rating on the cards changes at once
    }
  }

  /** GET /plugins/{ref}/readme: the text, bounded, whatever type the store named. */
  async readme(ref: string): Promise<StoreReadme> {
    return this.read(`/plugins/${encodeURIComponent(ref)}/readme`, {}, async (response) => ({
      text: (await readBoundedBytes(response, README_MAX_BYTES, this.baseUrl)).toString('utf8'),
      cut: response.headers.get('x-oko-readme-cut') === 'true',
    }));
  }

  /** GET /plugins/{ref}/assets/{segments}: the bytes, at most README_ASSET_MAX_BYTES; the caller names the type. */
  async readmeAsset(ref: string, segments: readonly string[]): Promise<Buffer> {
    const path = `/plugins/${encodeURIComponent(ref)}/assets/${segments.map(encodeURIComponent).join('/')}`;
    return this.read(path, {}, (response) => readBoundedBytes(response, README_ASSET_MAX_BYTES, this.baseUrl));
  }

  /**
   * Opens GET /plugins/{id}/download; headers within the short bound, then an idle bound per chunk,
   * and the whole transfer within OKO_STORE_DOWNLOAD_TIMEOUT_MS: a store that drips one byte just
   * inside the idle bound must not hold an install (and its staging folder) for ever.
   */
  async openDownload(id: string): Promise<StoreDownload> {
    const deadline = new Deadline(this.options.timeoutMs);
    deadline.limitTotal(this.options.downloadTimeoutMs, `the download did not finish within ${this.options.downloadTimeoutMs} ms`);
    const response = await this.send(`/plugins/${encodeURIComponent(id)}/download`, { signal: deadline.signal }, deadline);
    if (!response.body) {
      deadline.clear();
      throw storeUnavailable(this.baseUrl, new Error('download had no body'), deadline.currentMs);
    }
    deadline.reset(this.options.transferIdleTimeoutMs);
    const length = Number(response.headers.get('content-length'));
    const announced = Number.isFinite(length) && response.headers.has('content-length') ? length : undefined;
    if (announced !== undefined && announced > this.options.maxPackageBytes) {
      deadline.abort();
      throw tooBigPackage(announced, this.options.maxPackageBytes);
    }
    return {
      body: watchedDownload(response.body, deadline, this.baseUrl, this.options.maxPackageBytes),
      contentLength: announced,
      sha256Header: response.headers.get('x-checksum-sha256')?.toLowerCase() ?? undefined,
      cancel: () => deadline.abort(),
    };
  }

  /**
   * Streams a multipart body (already framed by the browser) to POST /plugins/upload/zip with the
   * backend's API key. Re-framing it would mean parsing and holding the file; passing it on does not.
   */
  async forwardZipUpload(body: AsyncIterable<Uint8Array>, contentType: string): Promise<StoreAnswer<StoreUploadAnswer>> {
    const deadline = new Deadline(this.options.transferIdleTimeoutMs);
    let sourceError: unknown;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body) {
          deadline.reset();
          yield chunk;
        }
      } catch (error) {
        // Remembered so the caller sees "too large" rather than undici's wrapper around it.
        sourceError = error;
        throw error;
      }
    }
    try {
      const response = await this.send(
        '/plugins/upload/zip',
        {
          method: 'POST',
          body: source() as unknown as BodyInit,
          duplex: 'half',
          headers: { 'content-type': contentType, ...this.keyHeader() },
          signal: deadline.signal,
        } as RequestInit,
        deadline,
      );
      return { status: response.status === 201 ? 201 : 200, body: await this.readAnswer(response, checks.upload) };
    } catch (error) {
      throw this.relayRefusal(sourceError ?? error);
    } finally {
      deadline.clear();
      this.pages.invalidate(); // whoever uploaded looks for the plugin next
    }
  }

  async importFromGithub(request: GithubImportRequest): Promise<StoreAnswer<StoreUploadAnswer>> {
    // The store downloads the repository before answering: the transfer bound, not the short one.
    const deadline = new Deadline(this.options.transferIdleTimeoutMs);
    try {
      const init = {
        method: 'POST',
        body: JSON.stringify(request),
        headers: { 'content-type': 'application/json', ...this.keyHeader() },
        signal: deadline.signal,
      };
      const response = await this.send('/plugins/upload/github', init, deadline);
      return { status: response.status === 201 ? 201 : 200, body: await this.readAnswer(response, checks.upload) };
    } catch (error) {
      throw isOkoError(error) ? this.relayRefusal(error) : storeUnavailable(this.baseUrl, error, deadline.currentMs);
    } finally {
      deadline.clear();
      this.pages.invalidate();
    }
  }

  /** A store that wants a key for a relayed upload, from a backend holding only a dashboard token: say which variable is missing. */
  private relayRefusal(error: unknown): unknown {
    if (!isOkoError(error) || error.code !== 'UNAUTHORIZED' || this.options.apiKey || !this.options.token) return error;
    const message =
      `${error.message}. This backend holds only OKO_STORE_TOKEN, a dashboard token, which cannot publish: set OKO_STORE_API_KEY ` +
      'to relay uploads, or publish with `oko-plugin publish --token <publisher token>`';
    return createError('UNAUTHORIZED', message, { status: error.statusCode, cause: error });
  }
}

/** The query string of a list request, in the query's own key order (one remembered page per distinct query). */
function listSearch(query: Partial<StorePluginListQuery> | Partial<ReviewListQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.size > 0 ? `?${params.toString()}` : '';
}
