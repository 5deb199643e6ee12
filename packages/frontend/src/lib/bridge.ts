// The parent side of the message bridge: the only channel between a plugin's frame (its HTML page
// or its custom bundle, both sandboxed into an opaque origin) and the backend. The frame's client
// (window.oko, from @oko/shared bridge-client.ts) posts requests; this answers them, and only
// those that come from the frame the dashboard created for that plugin and go to that plugin's own
// route handlers: /api/v1/plugins/{its api_prefix}/{route}, never a management path (the router
// sends /api/v1/plugins/{id}/disable to the dashboard, not to the plugin, even when id == prefix).

import {
  BRIDGE_MAX_BODY_CHARS,
  BRIDGE_MAX_HEADER_CHARS,
  BRIDGE_MAX_HEADERS,
  BRIDGE_METHODS,
  BRIDGE_REQUEST,
  BRIDGE_RESIZE,
  BRIDGE_RESPONSE,
  RESERVED_ROUTE_SEGMENTS,
  type BridgeRequest,
  type BridgeResponse,
} from '@oko/shared';

export { BRIDGE_REQUEST, BRIDGE_RESIZE, BRIDGE_RESPONSE, type BridgeRequest, type BridgeResponse };

/** Request headers a frame may send: what a JSON or form API needs, and the plugin's own x- headers. */
const HEADER_NAME = /^(content-type|accept|accept-language|if-none-match|if-modified-since|x-[a-z0-9-]{1,60})$/;
const REFUSED_HEADER = /^x-(forwarded-.*|real-ip|api-key|http-method-override|http-method|method-override|original-url|rewrite-url)$/;

/**
 * The normalised same-origin URL when `path` reaches one of the plugin's own routes, else null:
 * under /api/v1/plugins/{apiPrefix}/ after URL normalisation (so `..` cannot climb out), and not
 * starting with a reserved segment (disable, load, page, static, ...), which the router gives to
 * the dashboard's management routes instead of the plugin.
 */
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
  const base = `/api/v1/plugins/${apiPrefix}/`;
  if (!url.pathname.startsWith(base)) return null;
  // The router decodes %XX before it matches, so /%64isable is /disable: check the decoded segment.
  let first: string;
  try {
    first = decodeURIComponent(url.pathname.slice(base.length).split('/')[0] ?? '');
  } catch {
    return null;
  }
  return RESERVED_ROUTE_SEGMENTS.includes(first.toLowerCase()) ? null : url;
}

export interface BridgeOptions {
  /** The iframe's window; messages from anywhere else are ignored. */
  frame: () => Window | null | undefined;
  apiPrefix: string;
  origin: string;
  fetchImpl?: typeof fetch;
  onResize?: (height: number) => void;
  /** Called after each answered request, e.g. to refresh what the dashboard shows of the plugin's data. */
  onAnswer?: (request: BridgeRequest, answer: BridgeResponse) => void;
}

function refusal(id: string | number, status: number, code: string, message: string): BridgeResponse {
  const body = { error: { code, message } };
  return {
    type: BRIDGE_RESPONSE,
    id,
    status,
    statusText: '',
    headers: { 'content-type': 'application/json' },
    text: JSON.stringify(body),
    body,
  };
}

/** The frame's headers that may pass, or a reason they may not. */
function checkedHeaders(headers: unknown): Record<string, string> | string {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) return 'headers must be an object';
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > BRIDGE_MAX_HEADERS) return `at most ${BRIDGE_MAX_HEADERS} headers`;
  const kept: Record<string, string> = {};
  for (const [raw, value] of entries) {
    const name = raw.toLowerCase();
    if (!HEADER_NAME.test(name) || REFUSED_HEADER.test(name)) return `header '${raw.slice(0, 60)}' is not allowed`;
    if (typeof value !== 'string' || value.length > BRIDGE_MAX_HEADER_CHARS || !/^[\x20-\x7e]*$/.test(value)) {
      return `header '${name}' must be printable text of at most ${BRIDGE_MAX_HEADER_CHARS} characters`;
    }
    kept[name] = value;
  }
  return kept;
}

/** The body to send and its default content type, or a reason it may not be sent. */
function checkedBody(message: BridgeRequest): { text?: string; type?: string } | string {
  let text: string | undefined;
  let type: string | undefined;
  if (typeof message.bodyText === 'string') [text, type] = [message.bodyText, 'text/plain; charset=utf-8'];
  else if (message.body !== undefined) {
    try {
      [text, type] = [JSON.stringify(message.body), 'application/json'];
    } catch {
      return 'the body cannot be sent as JSON';
    }
  }
  if (text !== undefined && text.length > BRIDGE_MAX_BODY_CHARS) return `the body is larger than ${BRIDGE_MAX_BODY_CHARS} characters`;
  return { ...(text !== undefined ? { text } : {}), ...(type ? { type } : {}) };
}

/** Answers one request; exported apart from the listener so it can be tested without frames. */
export async function answerBridgeRequest(
  message: BridgeRequest,
  options: Pick<BridgeOptions, 'apiPrefix' | 'origin' | 'fetchImpl'>,
): Promise<BridgeResponse> {
  const method = typeof message.method === 'string' ? message.method.toUpperCase() : 'GET';
  if (!BRIDGE_METHODS.includes(method)) {
    return refusal(message.id, 405, 'BRIDGE_FORBIDDEN', `Method ${method.slice(0, 20)} is not allowed through the bridge`);
  }
  const url = allowedBridgeUrl(message.path, options.apiPrefix, options.origin);
  if (!url) {
    return refusal(
      message.id,
      403,
      'BRIDGE_FORBIDDEN',
      `Only the plugin's own routes under /api/v1/plugins/${options.apiPrefix}/ are allowed`,
    );
  }
  const headers = checkedHeaders(message.headers);
  if (typeof headers === 'string') return refusal(message.id, 400, 'BRIDGE_FORBIDDEN', `Bridge request refused: ${headers}`);
  const body = checkedBody(message);
  if (typeof body === 'string') return refusal(message.id, 413, 'BRIDGE_FORBIDDEN', `Bridge request refused: ${body}`);
  const init: RequestInit = { method, headers: { accept: 'application/json', ...headers }, credentials: 'same-origin', redirect: 'error' };
  if (body.text !== undefined && method !== 'GET') init.body = body.text;
  if (init.body !== undefined && !headers['content-type']) init.headers = { ...init.headers, 'content-type': body.type! };
  try {
    const response = await (options.fetchImpl ?? fetch)(url.pathname + url.search, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: oko.request gets the text as it is.
    }
    const contentType = response.headers.get('content-type');
    return {
      type: BRIDGE_RESPONSE,
      id: message.id,
      status: response.status,
      statusText: response.statusText,
      headers: contentType ? { 'content-type': contentType } : {},
      text,
      body: parsed,
    };
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
    // Only the frame this component created, and only while it is sandboxed: its messages carry
    // the opaque origin 'null'. Anything else (another frame, a popup, the dashboard) is ignored.
    if (!frame || event.source !== frame || event.origin !== 'null') return;
    const data = event.data as { type?: unknown; height?: unknown };
    if (data?.type === BRIDGE_RESIZE && typeof data.height === 'number') {
      options.onResize?.(Math.max(120, Math.min(4000, data.height)));
      return;
    }
    if (!isBridgeRequest(data)) return;
    const answer = await answerBridgeRequest(data, options);
    options.onAnswer?.(data, answer);
    // The sandboxed frame has an opaque origin, so '*' is the only target that reaches it;
    // the answer goes to that one window object and nowhere else.
    frame.postMessage(answer, '*');
  };
}
