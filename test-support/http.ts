import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/*
 * `request()` is fetch for tests: a URL of an app built in this process (buildTestStore,
 * buildTestBackend) is answered by that app's inject(), with no socket; any other URL goes over
 * the network. So one test can talk to an in-process app and to a real process the same way, and
 * the in-process app still listens for what must come over a socket (the backend's store client,
 * raw paths, stalled uploads).
 */
const apps = new Map<string, FastifyInstance>();

/** Routes requests for `origin` (http://127.0.0.1:PORT) to `app.inject()`; returns the undo. */
export function answerInProcess(origin: string, app: FastifyInstance): () => void {
  apps.set(origin, app);
  return () => {
    if (apps.get(origin) === app) apps.delete(origin);
  };
}

/**
 * Listens on a free loopback port and routes request() for it to inject(): what both in-process
 * builders share. close() stops both, then runs `cleanup` (the builder's temporary folders).
 */
export async function serveInProcess(
  app: FastifyInstance,
  cleanup: () => Promise<void>,
): Promise<{ url: string; api: string; close: () => Promise<void> }> {
  await app.listen({ host: '127.0.0.1', port: 0 }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const release = answerInProcess(url, app);
  return {
    url,
    api: `${url}/api/v1`,
    close: async () => {
      release();
      await app.close();
      await cleanup();
    },
  };
}

const NO_BODY = new Set([101, 204, 205, 304]);

export async function request(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input);
  const app = apps.get(url.origin);
  if (!app) return fetch(url, init);
  // Request encodes the body as fetch would: a FormData becomes multipart with its boundary.
  const outgoing = new Request(url, init);
  const payload = outgoing.body ? Buffer.from(await outgoing.arrayBuffer()) : undefined;
  const headers: Record<string, string> = { host: url.host };
  outgoing.headers.forEach((value, name) => (headers[name] = value));
  const res = await app.inject({
    method: outgoing.method as 'GET',
    url: url.pathname + url.search,
    headers,
    ...(payload ? { payload } : {}),
  });
  const location = res.headers.location;
  if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && init.redirect !== 'manual') {
    return request(new URL(location, url), { headers: init.headers });
  }
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) answerHeaders.append(name, String(item));
  }
  const body = NO_BODY.has(res.statusCode) || outgoing.method === 'HEAD' ? null : new Uint8Array(res.rawPayload);
  return new Response(body, { status: res.statusCode, statusText: res.statusMessage, headers: answerHeaders });
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await request(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

export function post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return body === undefined
    ? request(url, { method: 'POST', headers })
    : request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** POST a ZIP as a browser would: multipart with the file in `field` (default `file`). */
export async function uploadZip(
  url: string,
  zip: Buffer,
  options: { headers?: Record<string, string>; filename?: string; field?: string } = {},
): Promise<Response> {
  const form = new FormData();
  form.set(options.field ?? 'file', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), options.filename ?? 'plugin.zip');
  return request(url, { method: 'POST', body: form, headers: options.headers ?? {} });
}

/** `${service.url}/api/v1` */
export function api(service: { url: string }): string {
  return `${service.url}/api/v1`;
}
