import {
  isOkoError,
  type CatalogEntry,
  type GithubImportRequest,
  type StoreHealth,
  type StorePluginList,
  type StorePluginListQuery,
  type StoreUploadAnswer,
} from '@oko/shared';
import { Deadline } from './deadline.js';
import { isStaleSocket, storeAnswerError, storeUnavailable } from './store-errors.js';

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
  /** OKO_STORE_API_KEY, sent as X-API-Key on the store's write endpoints. */
  apiKey?: string | undefined;
  timeoutMs: number;
  transferIdleTimeoutMs: number;
}

/**
 * The backend's only link to the Plugin Store: HTTP calls to OKO_STORE_URL, each bounded in time.
 * A network failure or timeout becomes STORE_UNAVAILABLE (503); an error answer of the store is
 * passed through with its status, code and message.
 */
export class StoreClient {
  readonly baseUrl: string;
  private readonly options: StoreClientOptions;

  constructor(options: StoreClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async health(): Promise<StoreHealth> {
    return this.getJson<StoreHealth>('/health');
  }

  async listPlugins(query: Partial<StorePluginListQuery> = {}): Promise<StorePluginList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.getJson<StorePluginList>(`/plugins${search}`);
  }

  /** The catalog entry; the store accepts its id or the plugin's name. */
  async getPlugin(idOrName: string): Promise<CatalogEntry> {
    return this.getJson<CatalogEntry>(`/plugins/${encodeURIComponent(idOrName)}`);
  }

  /** Opens GET /plugins/{id}/download; headers within the short bound, then an idle bound per chunk. */
  async openDownload(id: string): Promise<StoreDownload> {
    const deadline = new Deadline(this.options.timeoutMs);
    const response = await this.send(`/plugins/${encodeURIComponent(id)}/download`, { signal: deadline.signal }, deadline);
    if (!response.body) {
      deadline.clear();
      throw storeUnavailable(this.baseUrl, new Error('download had no body'), deadline.currentMs);
    }
    deadline.reset(this.options.transferIdleTimeoutMs);
    const length = Number(response.headers.get('content-length'));
    return {
      body: this.watched(response.body, deadline),
      contentLength: Number.isFinite(length) && response.headers.has('content-length') ? length : undefined,
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
      return { status: response.status === 201 ? 201 : 200, body: (await response.json()) as StoreUploadAnswer };
    } catch (error) {
      throw sourceError ?? error;
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
      return { status: response.status === 201 ? 201 : 200, body: (await response.json()) as StoreUploadAnswer };
    } catch (error) {
      throw isOkoError(error) ? error : storeUnavailable(this.baseUrl, error, deadline.currentMs);
    } finally {
      deadline.clear();
    }
  }

  private keyHeader(): Record<string, string> {
    return this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {};
  }

  private async getJson<T>(path: string): Promise<T> {
    // One retry, only for a kept-alive socket that a restarted store had closed under us.
    for (let attempt = 0; ; attempt += 1) {
      const deadline = new Deadline(this.options.timeoutMs);
      try {
        const response = await this.send(path, { signal: deadline.signal }, deadline);
        return (await response.json()) as T;
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

  /** fetch + mapping: network failure → STORE_UNAVAILABLE, non-2xx → the store's error passed through. */
  private async send(path: string, init: RequestInit, deadline: Deadline): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, init);
    } catch (error) {
      deadline.clear();
      throw storeUnavailable(this.baseUrl, error, deadline.currentMs);
    }
    if (!response.ok) {
      const error = await storeAnswerError(response, this.baseUrl);
      deadline.clear();
      throw error;
    }
    return response;
  }

  private async *watched(body: AsyncIterable<Uint8Array>, deadline: Deadline): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) {
        deadline.reset();
        yield chunk;
      }
    } catch (error) {
      throw storeUnavailable(this.baseUrl, error, deadline.currentMs);
    } finally {
      deadline.clear();
    }
  }
}
