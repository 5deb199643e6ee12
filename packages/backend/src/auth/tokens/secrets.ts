import { createHash, randomBytes } from 'node:crypto';

/** A 32-byte random secret (session id, API token, setup token). */
export function randomSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Random secrets carry 256 bits, so a plain SHA-256 is enough to store them: no guessing to slow down. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function shortId(): string {
  return randomBytes(8).toString('hex');
}
