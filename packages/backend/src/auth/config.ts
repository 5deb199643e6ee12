import { Type, type Static } from 'typebox';

export const AUTH_SETTINGS = ['auto', 'on', 'off'] as const;
export type AuthSetting = (typeof AUTH_SETTINGS)[number];

/** The sign-in settings, read once at startup (README "Sign-in"). */
export interface AuthConfig {
  /** OKO_AUTH: auto asks for sign-in off loopback and once an admin exists. */
  setting: AuthSetting;
  /** OKO_ADMIN_USER / OKO_ADMIN_PASSWORD: the first admin without the setup page; null when no password. */
  initialAdmin: { username: string; password: string } | null;
  /** OKO_SESSION_TTL_H in milliseconds. */
  sessionTtlMs: number;
}

/** The variables behind AuthConfig; the backend's own schema includes them. */
export const AuthEnv = Type.Object({
  OKO_AUTH: Type.Enum(AUTH_SETTINGS, {
    default: 'auto',
    description: 'auto: sign-in off loopback and once an admin exists; on; off (everyone is admin)',
  }),
  OKO_ADMIN_USER: Type.String({
    pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
    default: 'admin',
    description: 'the admin OKO_ADMIN_PASSWORD creates',
  }),
  OKO_ADMIN_PASSWORD: Type.Optional(
    Type.String({
      minLength: 10,
      maxLength: 200,
      description: 'creates OKO_ADMIN_USER as admin at start when that account does not exist',
    }),
  ),
  OKO_SESSION_TTL_H: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 12, description: 'hours a sign-in session lasts' }),
});

export function authConfig(vars: Static<typeof AuthEnv>): AuthConfig {
  return {
    setting: vars.OKO_AUTH,
    initialAdmin: vars.OKO_ADMIN_PASSWORD ? { username: vars.OKO_ADMIN_USER, password: vars.OKO_ADMIN_PASSWORD } : null,
    sessionTtlMs: Math.round(vars.OKO_SESSION_TTL_H * 3_600_000),
  };
}
