import { readApiError } from '@oko/shared';

// The one way the UI talks HTTP. Every failure, whatever its cause, becomes an ApiError with a
// message a person can read, so no caller has to parse bodies or guess at network errors.

export class ApiError extends Error {
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  /** The backend's SCREAMING_SNAKE code, or NETWORK_ERROR / TIMEOUT / BAD_RESPONSE. */
  readonly code: string;
  /** The error's `details` when the backend sent some (e.g. the plan of DEPENDENCIES_REQUIRED). */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Without an answer by then the request fails with TIMEOUT instead of spinning forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Read the answer as text (e.g. markdown) instead of JSON. */
  text?: boolean;
  /** false for the sign-in routes themselves: their 401 (a wrong password) is an answer, not "signed out". */
  handleUnauthorized?: boolean;
}

/**
 * The one place an answer "you are not signed in" is handled: the session composable registers a
 * handler that sends the browser to the sign-in (or setup) page, so no caller checks for 401.
 */
let unauthorizedHandler: ((error: ApiError) => void) | null = null;
export function onUnauthorized(handler: ((error: ApiError) => void) | null): void {
  unauthorizedHandler = handler;
}
const signedOut = (error: ApiError) => error.status === 401 || error.code === 'SETUP_REQUIRED';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The ApiError for an error answer: the backend's code and message when the body has the one error
 * shape, else a message built from the status (a proxy's HTML page, say).
 */
export function errorFromAnswer(status: number, body: unknown, statusText = ''): ApiError {
  const error = readApiError(body);
  if (error) return new ApiError(status, error.code, error.message, error.details);
  return new ApiError(status, 'BAD_RESPONSE', `The server answered ${status} ${statusText}`.trim());
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return errorFromAnswer(response.status, body, response.statusText);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const init: RequestInit = { method: options.method ?? 'GET', signal: controller.signal, headers: { accept: 'application/json' } };
  if (options.body instanceof FormData) {
    init.body = options.body;
  } else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  try {
    let response: Response;
    try {
      response = await fetch(path, init);
    } catch (cause) {
      if (timedOut) throw new ApiError(0, 'TIMEOUT', `No answer from the server within ${Math.round(timeoutMs / 1000)} s`);
      if (options.signal?.aborted) throw cause;
      throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the dashboard backend. Is it running?');
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (options.handleUnauthorized !== false && signedOut(error)) unauthorizedHandler?.(error);
      throw error;
    }
    if (response.status === 204) return undefined as T;
    if (options.text) return (await response.text()) as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, 'BAD_RESPONSE', 'The server answered with something that is not JSON');
    }
  } finally {
    clearTimeout(timer);
  }
}

export const get = <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, options);
export const getText = (path: string, options?: Omit<RequestOptions, 'method' | 'body' | 'text'>) =>
  request<string>(path, { ...options, text: true });
export const post = <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
  request<T>(path, { ...options, method: 'POST', body });

/** Any thrown value as a sentence for a toast or an inline message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
