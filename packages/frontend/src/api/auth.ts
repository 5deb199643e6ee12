import type { AuthMe, CreatedToken, CreateToken, CreateUser, LoginRequest, SetupRequest, TokenList, UserInfo, UserList } from '@oko/shared';
import { get, post, request } from './client.js';

// /api/v1/auth: who is signed in, signing in and out, the first admin, and (admin only) the users
// and API tokens of this dashboard. The session is an HttpOnly cookie: the UI never holds a secret
// except a freshly created API token, which it shows once.

/** The auth routes answer a 401 themselves (a wrong password): the client must not treat it as "signed out". */
const AUTH = { timeoutMs: 15_000, handleUnauthorized: false } as const;

export const readMe = () => get<AuthMe>('/api/v1/auth/me', AUTH);
export const login = (body: LoginRequest) => post<AuthMe>('/api/v1/auth/login', body, AUTH);
export const logout = () => post<unknown>('/api/v1/auth/logout', undefined, AUTH);
export const setupAdmin = (body: SetupRequest) => post<AuthMe>('/api/v1/auth/setup', body, AUTH);

export const listUsers = () => get<UserList>('/api/v1/auth/users', { timeoutMs: 10_000 });
export const createUser = (body: CreateUser) => post<UserInfo>('/api/v1/auth/users', body, { timeoutMs: 15_000 });
export const deleteUser = (username: string) =>
  request<unknown>(`/api/v1/auth/users/${encodeURIComponent(username)}`, { method: 'DELETE', timeoutMs: 10_000 });

export const listTokens = () => get<TokenList>('/api/v1/auth/tokens', { timeoutMs: 10_000 });
export const createToken = (body: CreateToken) => post<CreatedToken>('/api/v1/auth/tokens', body, { timeoutMs: 10_000 });
export const revokeToken = (id: string) =>
  request<unknown>(`/api/v1/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', timeoutMs: 10_000 });
