import { createError, isOkoError, type ErrorCode } from '../../errors.js';

/** An error as it crosses from the archive thread: structured cloning keeps only an Error's message. */
export interface SentError {
  message: string;
  oko?: { code: ErrorCode; details?: unknown };
  /** A file-system error's fields, which the error handlers read (ENOSPC is "disk full"). */
  system?: { code?: string; syscall?: string; errno?: number; path?: string };
}

export function sendError(error: unknown): SentError {
  if (isOkoError(error)) return { message: error.message, oko: { code: error.code, details: error.details } };
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, syscall, errno, path } = error as NodeJS.ErrnoException;
  return { message: error.message, system: { code, syscall, errno, path } };
}

export function receiveError(sent: SentError): Error {
  if (sent.oko) return createError(sent.oko.code, sent.message, sent.oko.details === undefined ? undefined : { details: sent.oko.details });
  const error = new Error(sent.message);
  if (sent.system) {
    for (const [key, value] of Object.entries(sent.system)) if (value !== undefined) Object.assign(error, { [key]: value });
  }
  return error;
}
