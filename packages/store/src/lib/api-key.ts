import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createError } from '@oko/shared';

/** The key a request presents: `X-API-Key: k` or `Authorization: Bearer k`. */
export function presentedKey(headers: FastifyRequest['headers']): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim() || null;
}

/** Compared as hashes: equal length for timingSafeEqual, and no timing leak of the key's length. */
function sameKey(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** An onRequest hook for write routes; a no-op when no key is configured. */
export function requireApiKey(apiKey: string | null) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!apiKey) return;
    const key = presentedKey(request.headers);
    if (!key) throw createError('UNAUTHORIZED', 'This store requires an API key: send X-API-Key or Authorization: Bearer');
    if (!sameKey(key, apiKey)) throw createError('UNAUTHORIZED', 'The API key is not valid');
  };
}
