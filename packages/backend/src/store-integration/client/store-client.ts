import { createError, isOkoError, StoreVersionList, type GithubImportRequest, type StorePluginListQuery } from '@oko/shared';
import type { TSchema } from 'typebox';
import { ConditionalAnswers, conditionalResult, type ConditionalResult, type TaggedAnswer } from './conditional-answers.js';
import { Deadline } from './deadline.js';
import { watchedDownload } from './download-watch.js';
import {
  AnswerCheck,
  badStoreAnswer,
  parseJsonAnswer,
  readBoundedJson,
  StoreEntryAnswer,
  StoreHealthAnswer,
  StoreListAnswer,
  StoreUploadAnswer,
} from './store-answers.js';
import { isRedirectRefusal, isStaleSocket, storeAnswerError, storeUnavailable, tooBigPackage } from './store-errors.js';

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

/** A store answer passed on as it came: created (201) or plain success (200), and its body. */
export interface StoreAnswer<T> {
  status: 200 | 201;
  body: T;
}

export interface StoreClientOptions {
  /** OKO_STORE_URL, e.g. http://127.0.0.1:8001/api/v1 */
  baseUrl: string;
  /** OKO_STORE_API_KEY, sent as X-API-Key on the store's write endpoints (the uploads the backend relays). */
  apiKey?: string | undefined;
  /**
   * OKO_STORE_TOKEN, a dashboard token, sent as Authorization: Bearer on the reads (catalog,
   * downloads), where it is preferred over ever sending the admin key. It cannot publish.
   */
  token?: string | undefined;
  timeoutMs: number;
  transferIdleTimeoutMs: number;
  /** Bound on one whole download (OKO_STORE_DOWNLOAD_TIMEOUT_MS). */
  downloadTimeoutMs: number;
  /** Largest package downloaded, whatever the store announces (OKO_STORE_MAX_PACKAGE_MB). */
  maxPackageBytes: number;
  /** Largest JSON answer read (OKO_STORE_MAX_ANSWER_MB). */
  maxAnswerBytes: number;
}

const checks = {
  list: new AnswerCheck(StoreListAnswer, 'the catalog page'),
  entry: new AnswerCheck(StoreEntryAnswer, 'the catalog entry'),
  health: new AnswerCheck(StoreHealthAnswer, 'the health answer'),
  upload: new AnswerCheck(StoreUploadAnswer, 'the upload answer'),
  versions: new AnswerCheck(StoreVersionList, 'the version history'),
};

/** Catalog pages remembered for conditional requests: a few hundred queries, and a bound on their bytes. */
const REMEMBERED_PAGES = { maxEntries: 256, maxBytes: 32 * 1024 * 1024 };

/**
 * The backend's only link to the Plugin Store: HTTP calls to OKO_STORE_URL, each bounded in time
 * and size. A network failure or timeout becomes STORE_UNAVAILABLE (503); an error answer of the
 * store is passed through with its status, code and message; an answer that is too big, not the
 * expected shape or a redirect is BAD_STORE_ANSWER (502).
 */
export class StoreClient {
  readonly baseUrl: string;
  private readonly options: StoreClientOptions;
  private readonly pages: ConditionalAnswers<StoreListAnswer>;

  constructor(options: StoreClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pages = new ConditionalAnswers(REMEMBERED_PAGES, (body) => checks.list.parse(parseJsonAnswer(body, this.baseUrl), this.baseUrl));
  }

  /** Largest package an install downloads; the installer refuses bigger entries before any byte. */
  get maxPackageBytes(): number {
    return this.options.maxPackageBytes;
  }

  /** Catalog pages remembered for conditional requests; for tests of the bound. */
  get rememberedPages(): number {
    return this.pages.size;
  }

  async health(): Promise<StoreHealthAnswer> {
    return this.getJson('/health', checks.health);
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
    }
  }

  /** Writes carry the admin key when one is configured, as before; a dashboard token is never sent there (it cannot publish). */
  private keyHeader(): Record<string, string> {
    return this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {};
  }

  /** Reads carry the dashboard token when one is configured, and no credential otherwise (the store's reads are open). */
  private readHeader(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  /** A store that wants a key for a relayed upload, from a backend holding only a dashboard token: say which variable is missing. */
  private relayRefusal(error: unknown): unknown {
    if (!isOkoError(error) || error.code !== 'UNAUTHORIZED' || this.options.apiKey || !this.options.token) return error;
    const message =
      `${error.message}. This backend holds only OKO_STORE_TOKEN, a dashboard token, which cannot publish: set OKO_STORE_API_KEY ` +
      'to relay uploads, or publish with `oko-plugin publish --token <publisher token>`';
    return createError('UNAUTHORIZED', message, { status: error.statusCode, cause: error });
  }

  private async readAnswer<T extends TSchema>(response: Response, check: AnswerCheck<T>) {
    return check.parse(await readBoundedJson(response, this.options.maxAnswerBytes, this.baseUrl), this.baseUrl);
  }

  private async getJson<T extends TSchema>(path: string, check: AnswerCheck<T>) {
    return this.read(path, {}, (response) => this.readAnswer(response, check));
  }

  /** GET with If-None-Match when `etag` is known: 304 is then an answer, not an error. */
  private async getConditional(path: string, etag: string | undefined): Promise<ConditionalResult> {
    const headers: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag };
    const conditional = (response: Response) => conditionalResult(response, etag, path, this.options.maxAnswerBytes, this.baseUrl);
    return this.read(path, headers, conditional, true);
  }

  /** `notModifiedIsAnswer`: a 304 goes to `use` rather than being an error (only conditional reads expect one). */
  private async read<T>(
    path: string,
    headers: Record<string, string>,
    use: (response: Response) => Promise<T>,
    notModifiedIsAnswer = false,
  ) {
    // One retry, only for a kept-alive socket that a restarted store had closed under us.
    for (let attempt = 0; ; attempt += 1) {
      const deadline = new Deadline(this.options.timeoutMs);
      try {
        const response = await this.send(path, { signal: deadline.signal, headers }, deadline, notModifiedIsAnswer);
        return await use(response);
      } catch (error) {
        if (isOkoError(error)) {
          if (attempt === 0 && error.cause !== undefined && isStaleSocket(error.cause)) continue;
          throw error;
        }
        throw storeUnavailable(this.baseUrl, error, deadline.currentMs);
      } finally {
        deadline.clear();
      }
    }
  }

  /**
   * fetch + mapping: network failure → STORE_UNAVAILABLE, non-2xx → the store's error passed
   * through. Redirects are refused: the store has no reason to send one, and following it would
   * send the API key, or the install, to wherever it points.
   */
  private async send(path: string, init: RequestInit, deadline: Deadline, notModifiedIsAnswer = false): Promise<Response> {
    let response: Response;
    try {
      const headers = init.method === undefined ? { ...this.readHeader(), ...(init.headers as Record<string, string>) } : init.headers;
      response = await fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: 'error' });
    } catch (error) {
      deadline.clear();
      if (isRedirectRefusal(error)) throw badStoreAnswer(this.baseUrl, `it redirected ${path} elsewhere`, error);
      throw storeUnavailable(this.baseUrl, error, deadline.currentMs);
    }
    if (!response.ok && !(response.status === 304 && notModifiedIsAnswer)) {
      const error = await storeAnswerError(response, this.baseUrl);
      deadline.clear();
      throw error;
    }
    return response;
  }
}

/** The query string of a list request, in the query's own key order (one remembered page per distinct query). */
function listSearch(query: Partial<StorePluginListQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.size > 0 ? `?${params.toString()}` : '';
}
