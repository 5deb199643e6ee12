import { vi } from 'vitest';

export type Handler = (init: RequestInit | undefined, url: URL) => Response | Promise<Response>;

/**
 * Replaces fetch with a table of path -> handler. A path with a query string is matched exactly
 * first, then by its path alone (the handler reads the query from `url`). Unknown paths answer
 * 404 in the backend's error shape, and every call is recorded so a test can assert what was
 * (not) fetched.
 */
export function stubFetch(routes: Record<string, Handler>) {
  const calls: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname + input.search : input.url;
    calls.push(path);
    const url = new URL(path, 'http://dashboard.test');
    const handler = routes[path] ?? routes[url.pathname];
    if (handler) return handler(init, url);
    return json({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${path}` } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A promise that never settles: the loading state stays on screen for as long as the test looks. */
export const never = () => new Promise<Response>(() => undefined);
