import { INSTANCE_HEADER, isOkoError } from '@oko/shared';
import type { Static, TSchema } from 'typebox';
import { conditionalResult, type ConditionalResult } from './conditional-answers.js';
import { Deadline } from './deadline.js';
import { type AnswerCheck, badStoreAnswer, readBoundedJson } from './store-answers.js';
import { isRedirectRefusal, isStaleSocket, storeAnswerError, storeUnavailable } from './store-errors.js';

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
  /** The dashboard's random id (instance-id.ts), sent as X-OKO-Instance on every call: the store counts and names it by it. */
  instanceId: string;
  timeoutMs: number;
  transferIdleTimeoutMs: number;
  /** Bound on one whole download (OKO_STORE_DOWNLOAD_TIMEOUT_MS). */
  downloadTimeoutMs: number;
  /** Largest package downloaded, whatever the store announces (OKO_STORE_MAX_PACKAGE_MB). */
  maxPackageBytes: number;
  /** Largest JSON answer read (OKO_STORE_MAX_ANSWER_MB). */
  maxAnswerBytes: number;
  /** OKO_STORE_CATALOG_REVALIDATE_MS: catalog pages confirmed this recently are not asked again (0 by default). */
  catalogRevalidateMs?: number;
}

/**
 * How the backend calls the store (store-client.ts names the endpoints): every call bounded in
 * time and size, named with the dashboard's instance id, with the credential its kind of call
 * carries. A network failure or timeout becomes STORE_UNAVAILABLE (503); an error answer of the
 * store is passed through with its status, code and message; an answer that is too big, not the
 * expected shape or a redirect is BAD_STORE_ANSWER (502).
 */
export class StoreTransport {
  readonly baseUrl: string;
  protected readonly options: StoreClientOptions;

  constructor(options: StoreClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Whether OKO_STORE_TOKEN is set: reviews are then written in its name rather than the instance id's. */
  get hasToken(): boolean {
    return Boolean(this.options.token);
  }

  /**
   * POSTs `body` as JSON within the short bound, with the dashboard token when one is configured (a
   * write in the dashboard's name, as a review; never the admin key), its answer checked by `check`.
   */
  protected async postAsDashboard<T extends TSchema>(path: string, body: unknown, check: AnswerCheck<T>): Promise<StoreAnswer<Static<T>>> {
    const deadline = new Deadline(this.options.timeoutMs);
    const headers = { 'content-type': 'application/json', ...this.readHeader() };
    try {
      const response = await this.send(path, { method: 'POST', body: JSON.stringify(body), headers, signal: deadline.signal }, deadline);
      return { status: response.status === 201 ? 201 : 200, body: await this.readAnswer(response, check) };
    } catch (error) {
      throw isOkoError(error) ? error : storeUnavailable(this.baseUrl, error, deadline.currentMs);
    } finally {
      deadline.clear();
    }
  }

  /** Writes carry the admin key when one is configured, as before; a dashboard token is never sent there (it cannot publish). */
  protected keyHeader(): Record<string, string> {
    return this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {};
  }

  /** Reads carry the dashboard token when one is configured, and no credential otherwise (the store's reads are open). */
  protected readHeader(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  protected async readAnswer<T extends TSchema>(response: Response, check: AnswerCheck<T>) {
    return check.parse(await readBoundedJson(response, this.options.maxAnswerBytes, this.baseUrl), this.baseUrl);
  }

  protected async getJson<T extends TSchema>(path: string, check: AnswerCheck<T>) {
    return this.read(path, {}, (response) => this.readAnswer(response, check));
  }

  /** GET with If-None-Match when `etag` is known: 304 is then an answer, not an error. */
  protected async getConditional(path: string, etag: string | undefined): Promise<ConditionalResult> {
    const headers: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag };
    const conditional = (response: Response) => conditionalResult(response, etag, path, this.options.maxAnswerBytes, this.baseUrl);
    return this.read(path, headers, conditional, true);
  }

  /**
   * GET within `timeoutMs` (connect and the whole answer), its answer handed to `use`.
   * `notModifiedIsAnswer`: a 304 goes to `use` rather than being an error (only conditional reads expect one).
   */
  protected async read<T>(
    path: string,
    headers: Record<string, string>,
    use: (response: Response) => Promise<T>,
    notModifiedIsAnswer = false,
    timeoutMs = this.options.timeoutMs,
  ) {
    // One retry, only for a kept-alive socket that a restarted store had closed under us.
    for (let attempt = 0; ; attempt += 1) {
      const deadline = new Deadline(timeoutMs);
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
  protected async send(path: string, init: RequestInit, deadline: Deadline, notModifiedIsAnswer = false): Promise<Response> {
    let response: Response;
    try {
      // Every call names the dashboard (catalog reads, downloads, reviews, uploads): its counts and reviews key on it.
      const headers = {
        [INSTANCE_HEADER]: this.options.instanceId,
        ...(init.method === undefined ? this.readHeader() : {}),
        ...(init.headers as Record<string, string> | undefined),
      };
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
