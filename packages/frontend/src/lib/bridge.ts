// The only channel between a custom bundle (sandboxed iframe, opaque origin) and the backend.
// The parent checks every request: it must come from the plugin's own frame and stay under
// /api/v1/plugins/{api_prefix}/ after URL normalisation (so `..` and %2e%2e cannot climb out).

export const BRIDGE_REQUEST = 'oko:request';
export const BRIDGE_RESPONSE = 'oko:response';
export const BRIDGE_RESIZE = 'oko:resize';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface BridgeRequest {
  type: typeof BRIDGE_REQUEST;
  id: string | number;
  method?: string;
  path: string;
  body?: unknown;
}

export interface BridgeResponse {
  type: typeof BRIDGE_RESPONSE;
  id: string | number;
  status: number;
  body: unknown;
}

/** The normalised same-origin URL when `path` is inside the plugin's prefix, else null. */
export function allowedBridgeUrl(path: unknown, apiPrefix: string, origin: string): URL | null {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(path, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  // Encoded slashes and dots survive URL normalisation; a server that decodes them later
  // could still be walked out of the prefix, so they are refused outright.
  if (/%2f|%5c|%2e/i.test(url.pathname)) return null;
  return url.pathname.startsWith(`/api/v1/plugins/${apiPrefix}/`) ? url : null;
}

export interface BridgeOptions {
  /** The iframe's window; messages from anywhere else are ignored. */
  frame: () => Window | null | undefined;
  apiPrefix: string;
  origin: string;
  fetchImpl?: typeof fetch;
  onResize?: (height: number) => void;
}

function refusal(id: string | number, status: number, code: string, message: string): BridgeResponse {
  return { type: BRIDGE_RESPONSE, id, status, body: { error: { code, message } } };
}

/** Answers one request; exported apart from the listener so it can be tested without frames. */
export async function answerBridgeRequest(
  message: BridgeRequest,
  options: Pick<BridgeOptions, 'apiPrefix' | 'origin' | 'fetchImpl'>,
): Promise<BridgeResponse> {
  const method = (message.method ?? 'GET').toUpperCase();
  if (!METHODS.has(method)) return refusal(message.id, 405, 'BRIDGE_FORBIDDEN', `Method ${method} is not allowed through the bridge`);
  const url = allowedBridgeUrl(message.path, options.apiPrefix, options.origin);
  if (!url) {
    return refusal(message.id, 403, 'BRIDGE_FORBIDDEN', `Only paths under /api/v1/plugins/${options.apiPrefix}/ are allowed`);
  }
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (message.body !== undefined && method !== 'GET') {
    init.body = JSON.stringify(message.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  try {
    const response = await (options.fetchImpl ?? fetch)(url.pathname + url.search, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the bundle gets the text as it is.
    }
    return { type: BRIDGE_RESPONSE, id: message.id, status: response.status, body };
  } catch {
    return refusal(message.id, 502, 'NETWORK_ERROR', 'The dashboard backend could not be reached');
  }
}

function isBridgeRequest(data: unknown): data is BridgeRequest {
  const value = data as Partial<BridgeRequest> | null;
  return !!value && value.type === BRIDGE_REQUEST && (typeof value.id === 'string' || typeof value.id === 'number');
}

/** A `message` listener for window; the caller adds and removes it with the frame's lifetime. */
export function createBridgeListener(options: BridgeOptions): (event: MessageEvent) => Promise<void> {
  return async (event) => {
    const frame = options.frame();
    if (!frame || event.source !== frame) return;
    const data = event.data as { type?: unknown; height?: unknown };
    if (data?.type === BRIDGE_RESIZE && typeof data.height === 'number') {
      options.onResize?.(Math.max(120, Math.min(4000, data.height)));
      return;
    }
    if (!isBridgeRequest(data)) return;
    const answer = await answerBridgeRequest(data, options);
    // The sandboxed frame has an opaque origin, so '*' is the only target that reaches it;
    // the answer goes to that one window object and nowhere else.
    frame.postMessage(answer, '*');
  };
}
