import { createError, isOkoError } from '@oko/shared';
import { pgErrorCode } from './database.js';

/** Socket errors of a connection that cannot be made or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say the database is not there for us now, rather than that the request was wrong:
 * class 08 (connection exception), admin/crash shutdown and "starting up" (57P01-57P03), too many
 * connections (53300).
 */
function unreachable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code !== undefined && (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code) || NETWORK_CODES.has(code))) {
    return true;
  }
  // pg's own words for a connection that ended or a pool that found no connection in time.
  const message = (error as Error | null)?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/.test(
    message,
  );
}

/**
 * The store's answer for a database that is not there or refuses writes: 503 DATABASE_UNAVAILABLE
 * with a message an operator can act on (the driver's own words go in `cause`, for the log). Any
 * other error is returned as it was.
 */
export function asDatabaseError(error: unknown): unknown {
  if (isOkoError(error)) return error;
  if (pgErrorCode(error) === '25006') {
    return createError(
      'DATABASE_UNAVAILABLE',
      'The store database refuses writes (it is read-only, e.g. a standby); try again once it accepts them',
      {
        cause: error,
      },
    );
  }
  if (unreachable(error)) {
    return createError('DATABASE_UNAVAILABLE', 'The store database cannot be reached; try again shortly', { cause: error });
  }
  return error;
}

/** Runs a database step and answers DATABASE_UNAVAILABLE when the database is not there (asDatabaseError). */
export async function withDatabase<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw asDatabaseError(error);
  }
}
