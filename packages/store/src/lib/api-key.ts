import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createError } from '@oko/shared';
import { ADMIN, type Owner } from '../services/catalog-record.js';
import type { PublisherRepository } from '../services/publisher-repository.js';

/** The key a request presents: `X-API-Key: k` or `Authorization: Bearer k`. */
export function presentedKey(headers: FastifyRequest['headers']): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim() || null;
}

/** Compared as hashes: equal length for timingSafeEqual, and no timing leak of the key's length. */
export function sameKey(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Who a write comes from, set by the hooks below for the handler. */
const callers = new WeakMap<FastifyRequest, Owner>();

export function callerOf(request: FastifyRequest): Owner {
  return callers.get(request) ?? ADMIN;
}

/**
 * The store's three kinds of caller: the admin key (OKO_STORE_API_KEY), publisher tokens and
 * dashboard tokens. With no key configured the store stays open as before: anyone writes, as the
 * admin, unless they present a publisher token, whose names it then owns.
 */
export class StoreAuth {
  constructor(
    private readonly apiKey: string | null,
    private readonly publishers: PublisherRepository,
  ) {}

  /** onRequest for publish and delete: the admin key or a publisher token (a dashboard token gets 403). */
  readonly publish = async (request: FastifyRequest): Promise<void> => {
    const key = presentedKey(request.headers);
    if (this.apiKey && key && sameKey(key, this.apiKey)) return void callers.set(request, ADMIN);
    const token = key ? await this.publishers.findByToken(key) : undefined;
    if (token?.kind === 'dashboard') {
      throw createError('TOKEN_NOT_ALLOWED', `'${token.name}' is a dashboard token: it downloads, it cannot publish or delete`);
    }
    if (token) return void callers.set(request, { id: token.id, name: token.name });
    if (!this.apiKey) return void callers.set(request, ADMIN);
    if (!key) {
      throw createError('UNAUTHORIZED', 'This store requires an API key or a publisher token: send X-API-Key or Authorization: Bearer');
    }
    throw createError('UNAUTHORIZED', 'The API key or token is not valid (a revoked token stops working at once)');
  };

  /** onRequest for token management: the admin key only. An open store has no admin to hand out tokens. */
  readonly admin = async (request: FastifyRequest): Promise<void> => {
    if (!this.apiKey) {
      throw createError('TOKEN_NOT_ALLOWED', 'Set OKO_STORE_API_KEY to manage tokens: an open store has no admin key to guard them');
    }
    await this.requireAdminKey(request, 'Managing tokens');
  };

  /** onRequest for deleting a review: the admin key; on an open store anyone, since every write there is the admin's. */
  readonly moderate = async (request: FastifyRequest): Promise<void> => {
    if (this.apiKey) await this.requireAdminKey(request, 'Deleting a review');
  };

  private async requireAdminKey(request: FastifyRequest, doing: string): Promise<void> {
    const key = presentedKey(request.headers);
    if (!key) throw createError('UNAUTHORIZED', `${doing} needs the store admin's key: send X-API-Key or Authorization: Bearer`);
    if (this.apiKey && sameKey(key, this.apiKey)) return;
    const token = await this.publishers.findByToken(key);
    if (token)
      throw createError(
        'TOKEN_NOT_ALLOWED',
        `'${token.name}' is a ${token.kind} token: ${doing.toLowerCase()} needs the store admin's key`,
      );
    throw createError('UNAUTHORIZED', 'The API key is not valid');
  }
}
