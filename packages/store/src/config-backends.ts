import { ConfigError, envError } from '@oko/shared/server';
import type { BlobConfig, DatabaseConfig } from './config.js';

/* OKO_STORE_DATABASE_URL and OKO_STORE_BLOB_URL (with its endpoint): read, checked, and never shown with a password or keys in them. */

export function readDatabaseUrl(raw: string | undefined, poolSize: number, timeoutMs: number): DatabaseConfig | null {
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw envError('OKO_STORE_DATABASE_URL', undefined, 'not a URL (the value is not shown: it may hold a password)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw envError('OKO_STORE_DATABASE_URL', undefined, `must be postgres:// or postgresql://, not ${url.protocol}//`);
  }
  return { url: raw, poolSize, timeoutMs };
}

/** An endpoint as it may be shown: a `user:password@` part (keys someone put there) replaced. */
function withoutUserinfo(raw: string): string {
  return raw.replace(/^([^:/?#]*:\/\/)[^/?#]*@/, '$1…@');
}

export function readBlobUrl(
  raw: string | undefined,
  endpoint: string | undefined,
  database: DatabaseConfig | null,
  timeoutMs: number,
): BlobConfig | null {
  if (raw === undefined || raw === '') {
    if (endpoint) throw envError('OKO_STORE_S3_ENDPOINT', withoutUserinfo(endpoint), 'is set but OKO_STORE_BLOB_URL is not');
    return null;
  }
  const name = 'OKO_STORE_BLOB_URL';
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
  if (!match)
    throw envError(name, raw, 'must be s3://bucket or s3://bucket/prefix (bucket: 3-63 lower-case letters, digits, dots, hyphens)');
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..')) throw envError(name, raw, 'no . or .. in the prefix');
  if (!database) throw envError(name, raw, 'needs OKO_STORE_DATABASE_URL: packages in S3 are found through the PostgreSQL catalog');
  let endpointUrl: string | null = null;
  if (endpoint) {
    try {
      const parsed = new URL(endpoint);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      if (parsed.username || parsed.password) {
        throw envError(
          'OKO_STORE_S3_ENDPOINT',
          withoutUserinfo(endpoint),
          'no keys in the URL: they would show in logs and errors; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
        );
      }
      endpointUrl = parsed.toString().replace(/\/$/, '');
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw envError('OKO_STORE_S3_ENDPOINT', withoutUserinfo(endpoint), 'must be an http(s) URL');
    }
  }
  return { bucket: match[1]!, prefix, endpoint: endpointUrl, timeoutMs };
}
