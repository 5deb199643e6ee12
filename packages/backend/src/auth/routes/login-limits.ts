import rateLimit from '@fastify/rate-limit';
import { createError } from '@oko/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Login attempts per minute from one address, and per user name from anywhere (README "Sign-in"). */
export const LOGIN_ATTEMPTS_PER_ADDRESS = 20;
export const LOGIN_ATTEMPTS_PER_USER = 5;

/**
 * Both limits as one preHandler (the body names the user). createRateLimit rather than rateLimit:
 * the plugin runs only one of its hooks per request, and a login needs both counters.
 */
export async function loginLimiter(app: FastifyInstance): Promise<(request: FastifyRequest) => Promise<void>> {
  await app.register(rateLimit, { global: false });
  const byAddress = app.createRateLimit({
    max: LOGIN_ATTEMPTS_PER_ADDRESS,
    timeWindow: 60_000,
    keyGenerator: (request) => `ip:${request.ip}`,
  });
  const byUser = app.createRateLimit({
    max: LOGIN_ATTEMPTS_PER_USER,
    timeWindow: 60_000,
    keyGenerator: (request) => `user:${(request.body as { username?: string } | undefined)?.username ?? ''}`,
  });
  return async (request) => {
    for (const [limit, what] of [
      [byAddress, `from ${request.ip}`],
      [byUser, 'for this user'],
    ] as const) {
      const result = await limit(request);
      if (!result.isAllowed && result.isExceeded)
        throw createError('TOO_MANY_LOGIN_ATTEMPTS', `Too many sign-in attempts ${what}; try again in ${result.ttlInSeconds} s`, {
          details: { retry_after_s: result.ttlInSeconds },
        });
    }
  };
}
