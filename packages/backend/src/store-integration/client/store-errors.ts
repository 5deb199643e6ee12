import { alreadyPublishedOf, createError, isErrorCode, readApiError, type ErrorCode, type OkoError } from '@oko/shared';
import { badStoreAnswer, readBoundedJson } from './store-answers.js';

/** An error answer is a code and a sentence; anything longer is not one, and is not read further. */
const MAX_ERROR_ANSWER_BYTES = 64 * 1024;

/** Network-level failure or timeout talking to the store: the store is, for us, unavailable. */
export function storeUnavailable(baseUrl: string, error: unknown, timeoutMs: number): OkoError {
  return createError('STORE_UNAVAILABLE', `Plugin store at ${baseUrl} is unavailable: ${describeFetchFailure(error, timeoutMs)}`, {
    cause: error,
  });
}

/**
 * What went wrong, without the "Plugin store at <url>" every store error here starts with (this
 * file's, store-answers.ts' and download-watch.ts'): for a report that shows the URL beside it,
 * where the sentence would name it twice. "…is unavailable: connection refused" -> "Connection refused".
 */
export function storeProblemOf(error: unknown, baseUrl: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = `Plugin store at ${baseUrl} `;
  if (!message.startsWith(prefix)) return message;
  const problem = message.slice(prefix.length).replace(/^is unavailable: /, '');
  return problem.charAt(0).toUpperCase() + problem.slice(1);
}

/** A short, human reason for a failed fetch: "connection refused", "no answer within 3000 ms". */
function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed by the store';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out';
    default:
      return cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}

/** True for failures worth one retry: a kept-alive socket the (restarted) store already closed. */
export function isStaleSocket(error: unknown): boolean {
  const code = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code : undefined;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}

/**
 * Turns the store's error answer into an OkoError with the store's status, code and message, so
 * the backend passes it through unchanged. An answer that is not the error shape (a proxy's HTML
 * page, say) becomes STORE_UNAVAILABLE: we cannot tell the user anything better.
 */
export async function storeAnswerError(response: Response, baseUrl: string): Promise<OkoError> {
  // Only 4xx and 5xx are refusals to pass on: a 3xx without a Location, an unsolicited 304 or a
  // status past 599 would reach the browser as nothing it can use (or not be sendable at all).
  if (response.status < 400 || response.status > 599) {
    await response.body?.cancel().catch(() => undefined);
    return badStoreAnswer(baseUrl, `it answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await readBoundedJson(response, MAX_ERROR_ANSWER_BYTES, baseUrl);
  } catch {
    body = undefined;
  }
  // 401 and SETUP_REQUIRED tell a browser it is not signed in *here* (the web UI leaves for the
  // sign-in page): the store refusing this backend's credentials is a gateway problem, 502.
  const status = response.status === 401 ? 502 : response.status;
  const error = readApiError(body);
  if (error) {
    // Codes both services share live in one table; a code the store added later still passes through.
    const code = (isErrorCode(error.code) ? error.code : error.code.replace(/[^A-Z0-9_]/g, '') || 'BAD_REQUEST') as ErrorCode;
    // Details reach the browser only in a shape it acts on, checked: the store is not trusted.
    const details = code === 'PLUGIN_ALREADY_EXISTS' ? alreadyPublishedOf(error.details) : undefined;
    return createError(code === 'SETUP_REQUIRED' ? 'BAD_REQUEST' : code, error.message, { status, details });
  }
  if (response.status >= 500) {
    return createError('STORE_UNAVAILABLE', `Plugin store at ${baseUrl} answered HTTP ${response.status}`);
  }
  return createError('BAD_REQUEST', `Plugin store at ${baseUrl} answered HTTP ${response.status}`, { status });
}

export function tooBigPackage(bytes: number, maxBytes: number) {
  return createError(
    'INVALID_PACKAGE',
    `The package is ${bytes} bytes or more, over the ${Math.round(maxBytes / 1024 / 1024)} MiB the backend downloads (OKO_STORE_MAX_PACKAGE_MB)`,
  );
}

/** undici's answer to `redirect: 'error'`: TypeError('fetch failed') caused by 'unexpected redirect'. */
export function isRedirectRefusal(error: unknown): boolean {
  return error instanceof Error && error.cause instanceof Error && error.cause.message === 'unexpected redirect';
}
