import { createHmac, timingSafeEqual } from 'node:crypto';
import { createError, type GithubWebhookAnswer } from '@oko/shared';
import type { CatalogRecord } from './catalog-record.js';
import type { GithubRefresher } from './github-refresh.js';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the
 * webhook secret. Throws 401 BAD_WEBHOOK_SIGNATURE when it is missing, malformed or wrong; the
 * digests are compared in constant time (both 32 bytes, as timingSafeEqual needs).
 */
export function assertGithubSignature(secret: string, body: Buffer, header: string | string[] | undefined): void {
  if (header === undefined) {
    throw createError('BAD_WEBHOOK_SIGNATURE', 'X-Hub-Signature-256 is missing: set the same secret on the GitHub webhook and the store');
  }
  const match = typeof header === 'string' ? SIGNATURE.exec(header.trim()) : null;
  if (!match) throw createError('BAD_WEBHOOK_SIGNATURE', 'X-Hub-Signature-256 is not of the form sha256=<64 hex digits>');
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(match[1]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw createError('BAD_WEBHOOK_SIGNATURE', 'X-Hub-Signature-256 does not match the body: the secret differs or the body was changed');
  }
}

/** The fields of GitHub's push and release payloads this store reads; everything else is ignored. */
interface WebhookPayload {
  ref?: unknown;
  deleted?: unknown;
  action?: unknown;
  release?: { tag_name?: unknown } | null;
  repository?: { html_url?: unknown; full_name?: unknown; default_branch?: unknown } | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** source_url is https://<host>/<owner>/<repo>: the repository matches by its web URL or by owner/repo, either case. */
function sameRepository(record: CatalogRecord, payload: WebhookPayload): boolean {
  const source = (record.source_url ?? '').toLowerCase().replace(/\/+$/, '');
  const htmlUrl = text(payload.repository?.html_url)?.toLowerCase().replace(/\/+$/, '');
  const fullName = text(payload.repository?.full_name)?.toLowerCase();
  if (htmlUrl !== undefined && htmlUrl === source) return true;
  // owner/repo exactly: a suffix test would let `repo` name every owner's repository of that name.
  const parts = source.split('/');
  return fullName !== undefined && parts.length === 5 && `${parts[3]}/${parts[4]}` === fullName;
}

/** Which tracked plugins an event concerns (push and release); none for any other event. */
export function pluginsForEvent(event: string, payload: WebhookPayload, tracked: readonly CatalogRecord[]): CatalogRecord[] {
  const ofRepo = tracked.filter((record) => sameRepository(record, payload));
  if (event === 'push') {
    // A deleted branch has nothing to import.
    if (payload.deleted === true) return [];
    const ref = text(payload.ref) ?? '';
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
    const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
    const defaultBranch = text(payload.repository?.default_branch);
    return ofRepo.filter((record) =>
      record.branch === undefined ? branch !== undefined && branch === defaultBranch : record.branch === (branch ?? tag),
    );
  }
  if (event === 'release') {
    const action = text(payload.action);
    if (action !== 'published' && action !== 'released') return [];
    const tag = text(payload.release?.tag_name);
    return ofRepo.filter((record) => record.branch === undefined || record.branch === tag);
  }
  return [];
}

/**
 * Reads a verified delivery's body: JSON as GitHub sends with content type application/json, or
 * the `payload` field of an application/x-www-form-urlencoded delivery. 400 when it is neither.
 */
export function parseWebhookBody(body: Buffer, contentType: string | undefined): WebhookPayload {
  let json = body.toString('utf8');
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    json = new URLSearchParams(json).get('payload') ?? '';
  }
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw createError('BAD_REQUEST', 'The webhook body is not JSON: set the GitHub webhook content type to application/json');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw createError('BAD_REQUEST', 'The webhook body is not a JSON object');
  }
  return payload as WebhookPayload;
}

/** A verified delivery: refreshes the plugins it concerns, one after the other, each as its owner. */
export async function handleGithubEvent(refresher: GithubRefresher, event: string, payload: WebhookPayload): Promise<GithubWebhookAnswer> {
  const names = pluginsForEvent(event, payload, await refresher.trackedPlugins()).map((r) => r.name);
  return { event, refreshed: await refresher.refreshEach(names) };
}
