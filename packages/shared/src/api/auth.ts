import { Type, type Static } from 'typebox';

/*
 * Sign-in for the dashboard backend (docs/architecture.md#sign-in): accounts with two roles,
 * session cookies for the browser, API tokens for the CLI and automation.
 */

export const ROLES = ['admin', 'viewer'] as const;
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);
export type Role = (typeof ROLES)[number];

export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
const Username = Type.String({ pattern: USERNAME_PATTERN, description: 'Lower-case letters, digits, `.`, `_`, `-`' });
const Password = Type.String({ minLength: 10, maxLength: 200, description: 'At least 10 characters' });

/** `GET /api/v1/auth/me`: who is asking, and whether this backend asks at all. */
export const AuthMe = Type.Object({
  user: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Role, Type.Null()]),
  /** `off`: everyone is treated as admin (loopback with no account, or OKO_AUTH=off). */
  auth: Type.Union([Type.Literal('on'), Type.Literal('off')]),
  /** Why sign-in is off, or the loud warning when it is off on a non-loopback address. */
  notice: Type.Optional(Type.String()),
  /** Sign-in is off while the backend is reachable from other machines: the UI shows the notice as a loud warning. */
  unsafe: Type.Optional(Type.Boolean()),
  /** True while no admin exists and sign-in is needed: only the setup page is served. */
  setup_required: Type.Optional(Type.Boolean()),
});
export type AuthMe = Static<typeof AuthMe>;

export const LoginRequest = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** `POST /api/v1/auth/setup`: the first admin, with the one-time token the backend logged. */
export const SetupRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), username: Username, password: Password },
  { additionalProperties: false },
);
export type SetupRequest = Static<typeof SetupRequest>;

export const UserInfo = Type.Object({ username: Type.String(), role: Role, created_at: Type.String() });
export type UserInfo = Static<typeof UserInfo>;
export const UserList = Type.Object({ users: Type.Array(UserInfo) });
export type UserList = Static<typeof UserList>;
export const CreateUser = Type.Object({ username: Username, password: Password, role: Role }, { additionalProperties: false });
export type CreateUser = Static<typeof CreateUser>;

export const CreateToken = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export type CreateToken = Static<typeof CreateToken>;
/** The secret appears here once, never again. */
export const CreatedToken = Type.Object({ id: Type.String(), name: Type.String(), token: Type.String() });
export type CreatedToken = Static<typeof CreatedToken>;
export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** Whose token it is: it acts with that user's role. */
  user: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Optional(Type.String()),
});
export type TokenInfo = Static<typeof TokenInfo>;
export const TokenList = Type.Object({ tokens: Type.Array(TokenInfo) });
export type TokenList = Static<typeof TokenList>;
