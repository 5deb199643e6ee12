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
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--store: '${raw}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--store: '${raw}' must be an http or https URL`);
  const pathname = url.pathname.replace(/\/+$/, '');
  url.pathname = pathname === '' ? '/api/v1' : pathname;
  url.search = '';
  url.hash = '';
  return { apiBase: url.toString().replace(/\/+$/, ''), ...credential(flagKey, flagToken, env) };
}
