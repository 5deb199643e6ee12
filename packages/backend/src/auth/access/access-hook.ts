import { createError, type Role } from '@oko/shared';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AuthService, RequestIdentity } from '../auth-service.js';
import { sessionFromCookieHeader } from '../sessions/cookie.js';
import { accessFor } from './access-table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as; null when anonymous with sign-in on. Set by the access hook. */
    identity: RequestIdentity | null;
    /** Whether sign-in was on for this request. */
    authOn: boolean;
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

const roleRank: Record<Role, number> = { viewer: 1, admin: 2 };

/**
 * The one hook that decides every route, plugin routes included, from access-table.ts. With
 * sign-in off everyone is admin (a developer's loopback dashboard); with it on, a session cookie or
 * an API token names the user and their role.
 */
export function accessHook(auth: AuthService): onRequestAsyncHookHandler {
  return async (request) => {
    const mode = auth.mode();
    request.authOn = mode.on;
    request.identity = mode.on
      ? auth.identify(bearerOf(request), sessionFromCookieHeader(request.headers.cookie))
      : { user: null, role: 'admin' };
    const needed = accessFor(request.method, request.routeOptions.url);
    if (needed === 'anyone') return;
    if (mode.setupRequired)
      throw createError('SETUP_REQUIRED', 'No admin account exists yet: open the setup URL the backend logged at start to create one');
    const identity = request.identity;
    if (!identity)
      throw createError('UNAUTHORIZED', 'Sign in first (POST /api/v1/auth/login), or send an API token as Authorization: Bearer');
    if (roleRank[identity.role] < roleRank[needed])
      throw createError(
        'FORBIDDEN',
        `${request.method} ${request.routeOptions.url ?? request.url} needs the ${needed} role; ${identity.user} is a ${identity.role}`,
      );
  };
}
