import path from 'node:path';
import { envError, originList, packageVersion, parseEnv } from '@oko/shared/server';
import { readBlobUrl, readDatabaseUrl } from './config-backends.js';
import { STATS_FOLD_INTERVAL_MS } from '@oko/shared';
import { Type } from 'typebox';

/** Everything the store reads from its environment, read once at startup and passed down. */
export interface StoreConfig {
  host: string;
  port: number;
  storagePath: string;
  maxPluginSizeBytes: number;
  maxUnpackedBytes: number;
  maxEntries: number;
  uploadIdleTimeoutMs: number;
  /** An upload still sending after this long is dropped with 408, whatever its pace. */
  uploadDeadlineMs: number;
  /** How much of a refused request's body is read and discarded so the client sees the answer. */
  discardUnreadBody: { maxBytes: number; maxMs: number };
  /** ZIP uploads received at once; more wait their turn (lib/upload-slots.ts). */
  maxConcurrentUploads: number;
  debug: boolean;
  apiKey: string | null;
  /** Origins besides the store's own whose pages may send writes (OKO_STORE_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  github: GithubConfig;
  seed: SeedConfig;
  /** Download counters reach catalog answers at most this often (OKO_STORE_STATS_FOLD_S); 0 = on the next read. */
  statsFoldIntervalMs: number;
  /** The catalog, tokens, owners, reviews and counters in PostgreSQL (OKO_STORE_DATABASE_URL); null = the embedded JSON files. */
  database: DatabaseConfig | null;
  /** Packages in S3-compatible storage (OKO_STORE_BLOB_URL); null = upload folders on local disk. Needs `database`. */
  blobs: BlobConfig | null;
  /** The sweep of orphaned blobs and abandoned upload folders (PostgreSQL mode only). */
  sweep: { graceMs: number; intervalMs: number };
  version: string;
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
  /** How long one query may go unanswered before the database counts as unavailable (ms); migrations excepted. */
  timeoutMs?: number;
}

/**
 * s3://bucket/prefix plus the endpoint; region and credentials are the AWS SDK's own variables
 * (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE...), read by the SDK itself.
 */
export interface BlobConfig {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  /** An S3-compatible server (MinIO, Ceph, Garage, s3rver); null = AWS S3. Path-style addressing when set. */
  endpoint: string | null;
  /** How long a connect, or a request's socket without traffic, may take before the bucket counts as unavailable (ms). */
  timeoutMs?: number;
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
  /** GitHub hosts may resolve to loopback, private or link-local addresses (Enterprise on a LAN, tests). */
  allowPrivateAddresses: boolean;
  /** Pause between two rounds that refresh every GitHub-imported plugin; 0 = no schedule. */
  refreshIntervalMs: number;
  /** Secret of POST /webhooks/github (HMAC X-Hub-Signature-256); null = no webhook route. */
  webhookSecret: string | null;
}

export { ConfigError } from '@oko/shared/server';

const MB = 1024 * 1024;

/** Every variable the store reads, with its default (README, Store service > Configuration). */
export const StoreEnv = Type.Object({
  OKO_STORE_HOST: Type.String({ default: '127.0.0.1', description: 'listen address' }),
  OKO_STORE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8001, description: 'listen port; 0 picks a free one' }),
  OKO_STORE_STORAGE_PATH: Type.String({ default: 'data/store', description: 'holds plugins.json and uploads/' }),
  OKO_STORE_MAX_PLUGIN_SIZE_MB: Type.Number({
    exclusiveMinimum: 0,
    default: 100,
    description: 'largest upload or GitHub download; decimals allowed',
  }),
  OKO_STORE_MAX_UNPACKED_MB: Type.Number({ exclusiveMinimum: 0, default: 256, description: 'largest total unpacked size of one archive' }),
  OKO_STORE_MAX_ENTRIES: Type.Integer({ minimum: 1, default: 10_000, description: 'most entries in one archive' }),
  OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'an upload that sends no byte for this long gets 408',
  }),
  OKO_STORE_UPLOAD_DEADLINE_MS: Type.Integer({
    minimum: 1,
    default: 600_000,
    description: 'an upload still sending after this long gets 408, however steadily it sends',
  }),
  OKO_STORE_MAX_CONCURRENT_UPLOADS: Type.Integer({
    minimum: 1,
    default: 4,
    description: 'ZIP uploads received at once; more wait their turn, bodies unread, within OKO_STORE_UPLOAD_DEADLINE_MS',
  }),
  OKO_STORE_UPLOAD_DISCARD_MB: Type.Number({
    minimum: 0,
    default: 16,
    description: 'after refusing a request, read and discard at most this much of its unread body, then close',
  }),
  OKO_STORE_UPLOAD_DISCARD_MS: Type.Integer({
    minimum: 0,
    default: 5000,
    description: 'after refusing a request, discard its unread body for at most this long, then close',
  }),
  OKO_STORE_DEBUG: Type.Boolean({ default: false, description: 'debug log level' }),
  OKO_STORE_API_KEY: Type.Optional(Type.String({ description: 'when set, every write endpoint needs it' })),
  OKO_STORE_ALLOWED_ORIGINS: Type.Optional(
    Type.String({ description: "comma-separated origins besides the store's own whose pages may send writes" }),
  ),
  GITHUB_TOKEN: Type.Optional(Type.String({ description: 'sent as Authorization: Bearer to the GitHub API host only' })),
  OKO_STORE_GITHUB_API_URL: Type.String({
    default: 'https://api.github.com',
    description: 'GitHub API base; the other GitHub hosts derive from it',
  }),
  OKO_STORE_GITHUB_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 120_000, description: 'bound on one GitHub download' }),
  OKO_STORE_GITHUB_ALLOW_PRIVATE: Type.Boolean({
    default: false,
    description: 'GitHub hosts may resolve to loopback, private or link-local addresses (GitHub Enterprise on a LAN, tests)',
  }),
  OKO_STORE_GITHUB_REFRESH_INTERVAL_S: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'refresh every GitHub-imported plugin this often (seconds between rounds); 0 = off',
  }),
  OKO_STORE_GITHUB_WEBHOOK_SECRET: Type.Optional(
    Type.String({ description: 'secret of the GitHub webhook at POST /api/v1/webhooks/github; unset = no webhook (404)' }),
  ),
  OKO_STORE_STATS_FOLD_S: Type.Integer({
    minimum: 0,
    default: STATS_FOLD_INTERVAL_MS / 1000,
    description: 'download counters reach catalog answers at most this often (seconds); 0 = on the next read',
  }),
  OKO_STORE_DATABASE_URL: Type.Optional(
    Type.String({ description: 'postgres://... : the catalog, tokens, owners, reviews and counters in PostgreSQL; unset = JSON files' }),
  ),
  OKO_STORE_DATABASE_TIMEOUT_S: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'seconds one PostgreSQL query may go unanswered before the request answers 503 DATABASE_UNAVAILABLE',
  }),
  OKO_STORE_DATABASE_POOL: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'PostgreSQL connections per store process' }),
  OKO_STORE_BLOB_URL: Type.Optional(
    Type.String({
      description: 's3://bucket/prefix : packages in S3-compatible storage (needs OKO_STORE_DATABASE_URL); unset = local disk',
    }),
  ),
  OKO_STORE_S3_ENDPOINT: Type.Optional(
    Type.String({ description: 'URL of an S3-compatible server (MinIO, Ceph, Garage); unset = AWS S3. Region and keys: AWS_* variables' }),
  ),
  OKO_STORE_S3_TIMEOUT_S: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      'seconds a connection to the bucket, or a request to it with no bytes moving, may take before it counts as unavailable (503)',
  }),
  // Down to 1 s for tests of the sweep racing publishes: a publish slower than the grace is refused (its claim
  // was swept), never left pointing at a swept blob, so a short grace costs retries, not packages.
  OKO_STORE_SWEEP_GRACE_S: Type.Integer({
    minimum: 1,
    default: 3600,
    description:
      'PostgreSQL mode: a blob or upload folder no catalog row names is removed once this old (never while a publish may still use it)',
  }),
  OKO_STORE_SWEEP_INTERVAL_S: Type.Integer({
    minimum: 0,
    default: 600,
    description: 'PostgreSQL mode: seconds between sweeps (one replica at a time); 0 = off',
  }),
  OKO_STORE_SEED: Type.Boolean({ default: true, description: "a new store fills its catalog with the repository's example plugins" }),
  OKO_STORE_SEED_DIR: Type.String({ default: DEFAULT_SEED_DIR, description: 'folder of plugin folders to seed from' }),
});

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
  const name = 'OKO_STORE_GITHUB_API_URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw envError(name, raw, 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw envError(name, raw, 'must be http(s)');
  if (url.search || url.hash || url.username || url.password) throw envError(name, raw, 'no query, fragment or credentials');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const vars = parseEnv(StoreEnv, env);
  const apiUrl = readApiUrl(vars.OKO_STORE_GITHUB_API_URL);
  const database = readDatabaseUrl(vars.OKO_STORE_DATABASE_URL, vars.OKO_STORE_DATABASE_POOL, vars.OKO_STORE_DATABASE_TIMEOUT_S * 1000);
  return {
    host: vars.OKO_STORE_HOST,
    port: vars.OKO_STORE_PORT,
    storagePath: path.resolve(vars.OKO_STORE_STORAGE_PATH),
    maxPluginSizeBytes: Math.floor(vars.OKO_STORE_MAX_PLUGIN_SIZE_MB * MB),
    maxUnpackedBytes: Math.floor(vars.OKO_STORE_MAX_UNPACKED_MB * MB),
    maxEntries: vars.OKO_STORE_MAX_ENTRIES,
    uploadIdleTimeoutMs: vars.OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS,
    uploadDeadlineMs: vars.OKO_STORE_UPLOAD_DEADLINE_MS,
    discardUnreadBody: { maxBytes: Math.floor(vars.OKO_STORE_UPLOAD_DISCARD_MB * MB), maxMs: vars.OKO_STORE_UPLOAD_DISCARD_MS },
    maxConcurrentUploads: vars.OKO_STORE_MAX_CONCURRENT_UPLOADS,
    debug: vars.OKO_STORE_DEBUG,
    apiKey: vars.OKO_STORE_API_KEY ?? null,
    allowedOrigins: originList(vars.OKO_STORE_ALLOWED_ORIGINS, 'OKO_STORE_ALLOWED_ORIGINS'),
    github: {
      apiUrl,
      token: vars.GITHUB_TOKEN ?? null,
      ...githubHostsFor(apiUrl),
      timeoutMs: vars.OKO_STORE_GITHUB_TIMEOUT_MS,
      allowPrivateAddresses: vars.OKO_STORE_GITHUB_ALLOW_PRIVATE,
      refreshIntervalMs: vars.OKO_STORE_GITHUB_REFRESH_INTERVAL_S * 1000,
      webhookSecret: vars.OKO_STORE_GITHUB_WEBHOOK_SECRET ?? null,
    },
    statsFoldIntervalMs: vars.OKO_STORE_STATS_FOLD_S * 1000,
    database,
    blobs: readBlobUrl(vars.OKO_STORE_BLOB_URL, vars.OKO_STORE_S3_ENDPOINT, database, vars.OKO_STORE_S3_TIMEOUT_S * 1000),
    sweep: { graceMs: vars.OKO_STORE_SWEEP_GRACE_S * 1000, intervalMs: vars.OKO_STORE_SWEEP_INTERVAL_S * 1000 },
    seed: { enabled: vars.OKO_STORE_SEED, dir: path.resolve(vars.OKO_STORE_SEED_DIR) },
    version: packageVersion(path.join(import.meta.dirname, '..')),
  };
}
