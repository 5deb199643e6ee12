import type { FastifyInstance } from 'fastify';
import type { BackendConfig } from '../config.js';
import { accessHook } from './access/access-hook.js';
import { AuthService } from './auth-service.js';
import { authRoutes } from './routes/auth-routes.js';

export { AuthService } from './auth-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Accounts, sessions, API tokens, the setup token. */
    auth: AuthService;
  }
}

/**
 * Sign-in (README "Sign-in"): the access hook that decides every route, the /auth routes, and the
 * one-time setup URL logged once the backend listens. Call before any other route is registered.
 */
export async function registerAuth(app: FastifyInstance, config: BackendConfig): Promise<void> {
  const auth = new AuthService(config.auth, config.host, app.log, config.dataDir);
  await auth.init();
  app.decorate('auth', auth);
  app.decorateRequest('identity', null);
  app.decorateRequest('authOn', false);
  app.addHook('onRequest', accessHook(auth));
  // Every route registered from here on, so a test can hold each against the access table.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) auth.routes.push({ method, url: route.url });
  });
  app.addHook('onListen', async () => {
    const token = auth.issueSetupToken();
    if (!token) return;
    const address = app.server.address();
    const port = address && typeof address === 'object' ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    app.log.warn(
      `Sign-in is needed and no admin account exists. Create one within 1 hour, once, at http://${host}:${port}/setup?token=${token} ` +
        '(or restart with OKO_ADMIN_PASSWORD set)',
    );
  });
  await app.register(authRoutes, { prefix: '/api/v1', auth });
}
