import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuthMe,
  CreatedToken,
  CreateToken,
  CreateUser,
  errorResponses,
  LoginRequest,
  SetupRequest,
  TokenList,
  UserInfo,
  UserList,
  USERNAME_PATTERN,
} from '@oko/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../auth-service.js';
import { clearedSessionCookie, sessionCookie, sessionFromCookieHeader } from '../sessions/cookie.js';
import { loginLimiter } from './login-limits.js';

const tags = ['auth'];
const NoContent = { 204: Type.Null() };
const adminErrors = ['UNAUTHORIZED', 'FORBIDDEN', 'SETUP_REQUIRED'] as const;

/** Secure when the browser came over HTTPS (request.protocol; the app trusts no proxy header). */
const isHttps = (request: FastifyRequest) => request.protocol === 'https';

async function signIn(
  auth: AuthService,
  request: FastifyRequest,
  reply: FastifyReply,
  username: string,
  sessionId: string,
): Promise<AuthMe> {
  reply.header('set-cookie', sessionCookie(sessionId, auth.sessionTtlS, isHttps(request)));
  const user = auth.store.user(username)!;
  return auth.me({ user: user.username, role: user.role });
}

/** /auth: sign-in, setup, users and API tokens (README "Sign-in"). Who may call which: access/access-table.ts. */
export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  const limitLogins = await loginLimiter(app);

  app.post(
    '/auth/login',
    {
      preHandler: limitLogins,
      schema: {
        tags,
        summary: 'Sign in: sets the session cookie',
        body: LoginRequest,
        response: { 200: AuthMe, ...errorResponses('VALIDATION_FAILED', 'UNAUTHORIZED', 'TOO_MANY_LOGIN_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      const { sessionId, user } = await auth.login(request.body.username, request.body.password);
      return signIn(auth, request, reply, user.username, sessionId);
    },
  );

  app.post('/auth/logout', { schema: { tags, summary: 'Sign out: ends the session', response: NoContent } }, async (request, reply) => {
    const sessionId = sessionFromCookieHeader(request.headers.cookie);
    if (sessionId) await auth.endSession(sessionId);
    return reply
      .header('set-cookie', clearedSessionCookie(isHttps(request)))
      .status(204)
      .send(null);
  });

  app.get(
    '/auth/me',
    { schema: { tags, summary: 'Who is asking, and whether sign-in is on', response: { 200: AuthMe } } },
    async (request) => auth.me(request.identity),
  );

  app.post(
    '/auth/setup',
    {
      preHandler: limitLogins,
      schema: {
        tags,
        summary: 'Create the first admin with the one-time setup token the backend logged; signs in',
        body: SetupRequest,
        response: { 200: AuthMe, ...errorResponses('VALIDATION_FAILED', 'SETUP_TOKEN_INVALID', 'TOO_MANY_LOGIN_ATTEMPTS') },
      },
    },
    async (request, reply) => {
      await auth.setup(request.body.token, request.body.username, request.body.password);
      return signIn(auth, request, reply, request.body.username, await auth.startSession(request.body.username));
    },
  );

  app.get(
    '/auth/users',
    { schema: { tags, summary: 'Accounts', response: { 200: UserList, ...errorResponses(...adminErrors) } } },
    async () => ({
      users: auth.users(),
    }),
  );

  app.post(
    '/auth/users',
    {
      schema: {
        tags,
        summary: 'Create an account',
        body: CreateUser,
        response: { 201: UserInfo, ...errorResponses('VALIDATION_FAILED', 'USER_EXISTS', ...adminErrors) },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.addUser(request.body.username, request.body.password, request.body.role)),
  );

  app.delete(
    '/auth/users/:username',
    {
      schema: {
        tags,
        summary: "Delete an account with its sessions and API tokens (not the last admin's)",
        params: Type.Object({ username: Type.String({ pattern: USERNAME_PATTERN }) }),
        response: { ...NoContent, ...errorResponses('VALIDATION_FAILED', 'USER_NOT_FOUND', 'LAST_ADMIN', ...adminErrors) },
      },
    },
    async (request, reply) => {
      await auth.deleteUser(request.params.username);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/tokens',
    { schema: { tags, summary: 'API tokens, without their secrets', response: { 200: TokenList, ...errorResponses(...adminErrors) } } },
    async () => ({
      tokens: auth.tokens(),
    }),
  );

  app.post(
    '/auth/tokens',
    {
      schema: {
        tags,
        summary: "Create an API token acting as the caller's account; the token is shown once",
        body: CreateToken,
        response: { 201: CreatedToken, ...errorResponses('VALIDATION_FAILED', 'BAD_REQUEST', ...adminErrors) },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createToken(request.identity?.user ?? null, request.body.name)),
  );

  app.delete(
    '/auth/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API token at once',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }),
        response: { ...NoContent, ...errorResponses('VALIDATION_FAILED', 'TOKEN_NOT_FOUND', ...adminErrors) },
      },
    },
    async (request, reply) => {
      await auth.revokeToken(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
