import { Type, type Static } from 'typebox';

/**
 * Every error code either service answers with. One list, so the frontend and the CLI can
 * switch on codes without guessing. Add new codes here, never inline.
 */
export const ErrorCodes = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'CROSS_SITE_REQUEST',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_ALREADY_EXISTS',
  'INVALID_PLUGIN_ID',
  'INVALID_ARCHIVE',
  'INVALID_MANIFEST',
  'PAYLOAD_TOO_LARGE',
  'UPLOAD_ABORTED',
  'UPLOAD_TIMEOUT',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_REPO_URL',
  'GITHUB_NOT_FOUND',
  'GITHUB_UPSTREAM_ERROR',
  'CATALOG_READ_ONLY',
  'ILLEGAL_TRANSITION',
  'PLUGIN_LOAD_FAILED',
  'CAPABILITY_NOT_DECLARED',
  'ACTION_NOT_FOUND',
  'ACTION_FAILED',
  'PLUGIN_TIMEOUT',
  'PLUGIN_ROUTE_FAILED',
  'STORE_UNAVAILABLE',
  'CHECKSUM_MISMATCH',
  'INVALID_PACKAGE',
  'ALREADY_INSTALLED',
  'INSTALL_IN_PROGRESS',
  'NOT_INSTALLED',
  'NO_NEWER_VERSION',
  'INSUFFICIENT_STORAGE',
  'PLUGINS_DIR_NOT_WRITABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** The one error body of both services: `{"error": {"code", "message", "details?"}}`. */
export const ApiErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'SCREAMING_SNAKE error code, see ErrorCodes' }),
      message: Type.String({ description: 'What went wrong, for a human' }),
      details: Type.Optional(Type.Unknown({ description: 'Structured detail, e.g. validation issues' })),
    }),
  },
  { $id: 'ApiError', description: 'The error shape of every 4xx/5xx answer' },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

/** A typed, expected failure. Services throw it; one error handler per service maps it to HTTP. */
export class OkoError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, statusCode: number, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OkoError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = options?.details;
  }

  toBody(): ApiErrorBody {
    const error: ApiErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export function createError(
  code: ErrorCode,
  message: string,
  statusCode: number,
  options?: { cause?: unknown; details?: unknown },
): OkoError {
  return new OkoError(code, message, statusCode, options);
}

export function isOkoError(value: unknown): value is OkoError {
  return value instanceof OkoError;
}
