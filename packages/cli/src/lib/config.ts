import { usageError } from './errors.js';

/** What the CLI reads from the environment, once, at start. Flags win over these. */
export interface CliEnv {
  storeUrl?: string;
  apiKey?: string;
  /** OKO_STORE_TOKEN: a publisher token the store admin created. */
  token?: string;
}

export function readCliEnv(env: NodeJS.ProcessEnv): CliEnv {
  return {
    storeUrl: env.OKO_STORE_URL || undefined,
    apiKey: env.OKO_STORE_API_KEY || undefined,
    token: env.OKO_STORE_TOKEN || undefined,
  };
}

export interface StoreTarget {
  /** The store's API base, e.g. http://localhost:8001/api/v1 (no trailing slash). */
  apiBase: string;
  /** The store admin's key, sent as X-API-Key. */
  apiKey?: string;
  /** A publisher token, sent as Authorization: Bearer (and then no key is sent). */
  token?: string;
}

/**
 * One credential is sent: a flag beats the environment, and at the same level a token beats the
 * admin key (the token is the narrower one, and the store would take X-API-Key first if both went).
 */
function credential(flagKey: string | undefined, flagToken: string | undefined, env: CliEnv): Pick<StoreTarget, 'apiKey' | 'token'> {
  if (flagToken) return { token: flagToken };
  if (flagKey) return { apiKey: flagKey };
  if (env.token) return { token: env.token };
  return env.apiKey ? { apiKey: env.apiKey } : {};
}

/** Accepts `http://host:8001` or `http://host:8001/api/v1`; both mean the same store. */
export function resolveStore(flagUrl: string | undefined, flagKey: string | undefined, env: CliEnv, flagToken?: string): StoreTarget {
  const raw = flagUrl ?? env.storeUrl;
  if (!raw) throw usageError('--store URL is required (or set OKO_STORE_URL)');
  return { apiBase: apiBaseOf(raw, '--store'), ...credential(flagKey, flagToken, env) };
}

/** A service's API base from `http://host:port` or `http://host:port/api/v1` (both mean the same). */
function apiBaseOf(raw: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${flag}: '${raw}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${flag}: '${raw}' must be an http or https URL`);
  const pathname = url.pathname.replace(/\/+$/, '');
  url.pathname = pathname === '' ? '/api/v1' : pathname;
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** The dashboard backend `oko-plugin dev` sends to, and the API token it sends (if any). */
export interface BackendTarget {
  /** e.g. http://127.0.0.1:8000/api/v1 (no trailing slash). */
  apiBase: string;
  /** A backend API token (POST /api/v1/auth/tokens), sent as Authorization: Bearer. */
  token?: string;
}

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8000';

/** Flag, then OKO_BACKEND_URL / OKO_TOKEN, then the local default; `http://host:8000` and `…/api/v1` both work. */
export function resolveBackend(flagUrl: string | undefined, flagToken: string | undefined, env: NodeJS.ProcessEnv): BackendTarget {
  const raw = flagUrl ?? (env.OKO_BACKEND_URL || DEFAULT_BACKEND_URL);
  const token = flagToken ?? (env.OKO_TOKEN || undefined);
  return { apiBase: apiBaseOf(raw, '--backend'), ...(token ? { token } : {}) };
}
