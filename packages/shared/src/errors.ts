import { Type, type Static } from 'typebox';

/**
 * Every error code either service answers with, and the HTTP status it carries. One table, so a
 * call site never repeats a status, the OpenAPI error answers come from here, and the frontend and
 * the CLI can switch on codes without guessing. Add new codes here, never inline.
 */
export const ErrorStatus = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  CROSS_SITE_REQUEST: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  PLUGIN_NOT_FOUND: 404,
  PLUGIN_ALREADY_EXISTS: 409,
  VERSION_DELETED: 409,
  BLOB_STORAGE_UNAVAILABLE: 503,
  INVALID_PLUGIN_ID: 400,
  INVALID_ARCHIVE: 422,
  INVALID_MANIFEST: 422,
  PAYLOAD_TOO_LARGE: 413,
  UPLOAD_ABORTED: 400,
  UPLOAD_TIMEOUT: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_REPO_URL: 400,
  GITHUB_NOT_FOUND: 404,
  GITHUB_UPSTREAM_ERROR: 502,
  CATALOG_READ_ONLY: 503,
  DATABASE_UNAVAILABLE: 503,
  ILLEGAL_TRANSITION: 409,
  PLUGIN_LOAD_FAILED: 422,
  CAPABILITY_NOT_DECLARED: 403,
  ACTION_NOT_FOUND: 404,
  PLUGIN_TIMEOUT: 504,
  PLUGIN_ROUTE_FAILED: 502,
  STORE_UNAVAILABLE: 503,
  CHECKSUM_MISMATCH: 422,
  INVALID_PACKAGE: 422,
  ALREADY_INSTALLED: 409,
  INSTALL_IN_PROGRESS: 409,
  NOT_INSTALLED: 404,
  NO_NEWER_VERSION: 409,
  INSUFFICIENT_STORAGE: 507,
  PLUGINS_DIR_NOT_WRITABLE: 500,
  INTERNAL_ERROR: 500,
  PACKAGE_INTEGRITY_ERROR: 500,
  BAD_STORE_ANSWER: 502,
  UNKNOWN_HOST: 403,
  UPLOAD_LOCAL_ONLY: 403,
  PLUGIN_NOT_ACTIVE: 409,
  PERMISSIONS_CHANGED: 409,
  PLUGIN_NAME_TAKEN: 409,
  ENV_NOT_DECLARED: 400,
  INVALID_SIGNATURE: 422,
  SIGNATURE_REQUIRED: 422,
  INVALID_PUBLIC_KEY: 400,
  TRUSTED_KEY_EXISTS: 409,
  TRUSTED_KEY_NOT_FOUND: 404,
  TRUSTED_KEY_READ_ONLY: 409,
  FORBIDDEN: 403,
  SETUP_REQUIRED: 401,
  SETUP_TOKEN_INVALID: 403,
  TOO_MANY_LOGIN_ATTEMPTS: 429,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  LAST_ADMIN: 409,
  TOKEN_NOT_FOUND: 404,
  NOT_OWNER: 403,
  TOKEN_NOT_ALLOWED: 403,
  PUBLISHER_NOT_FOUND: 404,
  PUBLISHER_EXISTS: 409,
  INCOMPATIBLE: 422,
  DEPENDENCIES_REQUIRED: 409,
  DEPENDENCY_CONFLICT: 409,
  IN_USE: 409,
  DOWNGRADE: 409,
  NO_ROLLBACK: 409,
  NOT_TRACKED: 409,
  BAD_WEBHOOK_SIGNATURE: 401,
  INSTANCE_ID_REQUIRED: 400,
  REVIEW_NOT_FOUND: 404,
  REVIEWS_FULL: 409,
  DEV_PLUGINS_DISABLED: 403,
  DEV_PLUGIN_NOT_FOUND: 404,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ErrorStatus;

export const ErrorCodes = Object.keys(ErrorStatus) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorStatus, value);
}

/** The one error body of both services: `{"error": {"code", "message", "details?"}}`. */
export const ApiErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'SCREAMING_SNAKE error code, see ErrorStatus' }),
      message: Type.String({ description: 'What went wrong, for a human' }),
      details: Type.Optional(Type.Unknown({ description: 'Structured detail, e.g. validation issues' })),
    }),
  },
  { $id: 'ApiError', description: 'The error shape of every 4xx/5xx answer' },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;
export type ApiError = ApiErrorBody['error'];

export interface ErrorOptions {
  cause?: unknown;
  details?: unknown;
  /**
   * Only for relaying another service's answer as it was (the backend passing the store's error
   * through): everywhere else the code's own status from ErrorStatus applies.
   */
  status?: number;
}

/** A typed, expected failure. Services throw it; one error handler per service maps it to HTTP. */
export class OkoError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OkoError';
    this.code = code;
    this.statusCode = options.status ?? ErrorStatus[code];
    this.details = options.details;
  }

  toBody(): ApiErrorBody {
    const error: ApiError = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export function createError(code: ErrorCode, message: string, options?: ErrorOptions): OkoError {
  return new OkoError(code, message, options);
}

export function isOkoError(value: unknown): value is OkoError {
  return value instanceof OkoError;
}

/** An Error that says what it is: an OkoError, or a Node or file-system error with a string `code`. */
export function isCodedError(value: unknown): value is Error & { code: string } {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}

/**
 * Reads an error answer of either service (or anything else a proxy may send instead): the code
 * and message when `body` has the one error shape, else undefined. Every client (the backend's
 * store client, the web UI, the CLI) parses error answers with this.
 */
export function readApiError(body: unknown): ApiError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return details === undefined ? { code, message } : { code, message, details };
}

/**
 * The OpenAPI error answers of a route, from the codes it can answer with: one entry per status,
 * whose description names the codes, so the docs come from the same table as the answers.
 */
export function errorResponses(...codes: ErrorCode[]): Record<number, typeof ApiErrorBody> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ErrorStatus[code], [...(byStatus.get(ErrorStatus[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      Type.Object(ApiErrorBody.properties, { description: `{"error":{"code","message"}} with code ${list.join(' | ')}` }),
    ]),
  );
}
