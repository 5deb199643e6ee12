import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseOriginList } from '@oko/shared';

/** Everything the store reads from its environment, read once at startup and passed down. */
export interface StoreConfig {
  host: string;
  port: number;
  storagePath: string;
  maxPluginSizeBytes: number;
  maxUnpackedBytes: number;
  maxEntries: number;
  uploadIdleTimeoutMs: number;
  debug: boolean;
  apiKey: string | null;
  /** Origins besides the store's own whose pages may send writes (OKO_STORE_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  github: GithubConfig;
  seed: SeedConfig;
  version: string;
}

/** Whether and from where a new store fills its catalog with the repository's example plugins. */
export interface SeedConfig {
  enabled: boolean;
  /** A folder holding one plugin folder per example. */
  dir: string;
}

/** dist/ → the repository's examples/plugins (the Docker image copies them to the same place). */
const DEFAULT_SEED_DIR = path.resolve(import.meta.dirname, '../../../examples/plugins');

export interface GithubConfig {
  /** API base without trailing slash, e.g. https://api.github.com */
  apiUrl: URL;
  token: string | null;
  /** host[:port] accepted in repo_url (github.com for the default API). */
  webHost: string;
  /** Hostnames a zipball download may be redirected to, besides the API host itself. */
  downloadHosts: string[];
  /** When the API host is not api.<web host> (Enterprise, local tests), any port of that hostname is a download host. */
  downloadAnyPortOfApiHost: boolean;
  timeoutMs: number;
}

export class ConfigError extends Error {}

const MB = 1024 * 1024;

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new ConfigError(`${name}=${JSON.stringify(raw)}: must be ${rule}`);
  return value;
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback = false): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(raw);
}

/**
 * GitHub hosts follow from the API URL, so GitHub Enterprise and a local fake server need one
 * variable: api.github.com -> repos on github.com, downloads from codeload.github.com; any other
 * API host H -> repos on H, downloads from H (any port) or codeload.H. The scheme is the API's.
 */
export function githubHostsFor(apiUrl: URL): Pick<GithubConfig, 'webHost' | 'downloadHosts' | 'downloadAnyPortOfApiHost'> {
  if (apiUrl.hostname.startsWith('api.')) {
    const web = apiUrl.hostname.slice('api.'.length);
    return { webHost: web, downloadHosts: [`codeload.${web}`], downloadAnyPortOfApiHost: false };
  }
  return { webHost: apiUrl.host, downloadHosts: [`codeload.${apiUrl.hostname}`], downloadAnyPortOfApiHost: true };
}

function readApiUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`OKO_STORE_GITHUB_API_URL=${JSON.stringify(raw)}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('OKO_STORE_GITHUB_API_URL: must be http(s)');
  if (url.search || url.hash || url.username || url.password) throw new ConfigError('OKO_STORE_GITHUB_API_URL: no query, fragment or credentials');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

function readOrigins(env: NodeJS.ProcessEnv, name: string): string[] {
  try {
    return parseOriginList(env[name], name);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function packageVersion(): string {
  const file = path.join(import.meta.dirname, '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const positive = (n: number) => n > 0;
  const apiUrl = readApiUrl(env.OKO_STORE_GITHUB_API_URL?.trim() || 'https://api.github.com');
  return {
    host: env.OKO_STORE_HOST?.trim() || '127.0.0.1',
    port: readNumber(env, 'OKO_STORE_PORT', 8001, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number'),
    storagePath: path.resolve(env.OKO_STORE_STORAGE_PATH?.trim() || 'data/store'),
    maxPluginSizeBytes: Math.floor(readNumber(env, 'OKO_STORE_MAX_PLUGIN_SIZE_MB', 100, positive, 'a positive number') * MB),
    maxUnpackedBytes: Math.floor(readNumber(env, 'OKO_STORE_MAX_UNPACKED_MB', 256, positive, 'a positive number') * MB),
    maxEntries: readNumber(env, 'OKO_STORE_MAX_ENTRIES', 10_000, (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
    uploadIdleTimeoutMs: readNumber(env, 'OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS', 30_000, (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
    debug: readBoolean(env, 'OKO_STORE_DEBUG'),
    apiKey: env.OKO_STORE_API_KEY?.trim() || null,
    allowedOrigins: readOrigins(env, 'OKO_STORE_ALLOWED_ORIGINS'),
    github: {
      apiUrl,
      token: env.GITHUB_TOKEN?.trim() || null,
      ...githubHostsFor(apiUrl),
      timeoutMs: readNumber(env, 'OKO_STORE_GITHUB_TIMEOUT_MS', 120_000, (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
    },
    seed: {
      enabled: readBoolean(env, 'OKO_STORE_SEED', true),
      dir: path.resolve(env.OKO_STORE_SEED_DIR?.trim() || DEFAULT_SEED_DIR),
    },
    version: packageVersion(),
  };
}
