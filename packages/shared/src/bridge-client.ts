// The message bridge between a plugin's sandboxed frame (its HTML page or its custom bundle) and
// the dashboard that embeds it. Both frames run in an opaque origin (CSP `sandbox`, iframe
// `sandbox` without allow-same-origin), so the dashboard's API is cross-origin to them and the
// browser refuses their writes. The bridge is their only way in: the frame posts a request to its
// parent, the parent checks it (frontend lib/bridge.ts) and answers. One client script serves both
// kinds of frame: the backend injects it into plugin pages, the frontend into custom bundles.

export const BRIDGE_REQUEST = 'oko:request';
export const BRIDGE_RESPONSE = 'oko:response';
export const BRIDGE_RESIZE = 'oko:resize';

/** Methods a frame may send through the bridge; nothing else reaches the backend. */
export const BRIDGE_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Largest request body (characters) the parent forwards. */
export const BRIDGE_MAX_BODY_CHARS = 1024 * 1024;
/** At most this many request headers, each value at most BRIDGE_MAX_HEADER_CHARS. */
export const BRIDGE_MAX_HEADERS = 16;
export const BRIDGE_MAX_HEADER_CHARS = 1024;
/** Milliseconds a frame waits for its parent before oko.fetch rejects. */
export const BRIDGE_TIMEOUT_MS = 30_000;

/** What a frame posts: `bodyText` from oko.fetch (a string body), `body` from oko.request (any JSON value). */
export interface BridgeRequest {
  type: typeof BRIDGE_REQUEST;
  id: string | number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  bodyText?: string;
  body?: unknown;
}

/** What the parent answers: the status, the content type, the text, and `body` parsed for oko.request. */
export interface BridgeResponse {
  type: typeof BRIDGE_RESPONSE;
  id: string | number;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

export interface BridgeClientContext {
  pluginId: string;
  apiPrefix: string;
}

/**
 * The client script (JavaScript source, no `<script>` tag) that defines `window.oko` in a frame:
 * `oko.fetch(path, init)` resolves with a Response-like object, `oko.request(path, init)` (the
 * custom bundles' original call) with `{status, body}`; both send only through the parent.
 */
export function bridgeClientScript(context: BridgeClientContext): string {
  const config = JSON.stringify({
    pluginId: context.pluginId,
    apiBase: `/api/v1/plugins/${context.apiPrefix}/`,
    request: BRIDGE_REQUEST,
    response: BRIDGE_RESPONSE,
    resize: BRIDGE_RESIZE,
    timeoutMs: BRIDGE_TIMEOUT_MS,
  }).replace(/</g, '\\u003c');
  return `(() => {
  const c = ${config};
  if (window.oko) return;
  const pending = new Map();
  let next = 0;
  const embedded = window.parent !== window;
  window.addEventListener('message', (event) => {
    const data = event.data;
    if (event.source !== window.parent || !data || data.type !== c.response || !pending.has(data.id)) return;
    pending.get(data.id)(data);
  });
  function send(path, method, headers, payload) {
    if (!embedded) return Promise.reject(new Error('oko: this page talks to the dashboard only when it is shown inside the dashboard'));
    const id = ++next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { pending.delete(id); reject(new Error('oko: the dashboard did not answer')); }, c.timeoutMs);
      pending.set(id, (data) => { clearTimeout(timer); pending.delete(id); resolve(data); });
      window.parent.postMessage(Object.assign({ type: c.request, id, path: String(path), method, headers }, payload), '*');
    });
  }
  function plainHeaders(value) {
    const entries = [];
    if (Array.isArray(value)) entries.push(...value);
    else if (value && typeof value.forEach === 'function') value.forEach((v, k) => entries.push([k, v]));
    else if (value) entries.push(...Object.entries(value));
    const out = {};
    for (const [k, v] of entries) out[String(k).toLowerCase()] = String(v);
    return out;
  }
  function responseOf(data, path) {
    const headers = new Map(Object.entries(data.headers || {}));
    return Object.freeze({
      ok: data.status >= 200 && data.status < 300,
      status: data.status,
      statusText: data.statusText || '',
      url: String(path),
      headers: Object.freeze({ get: (name) => headers.get(String(name).toLowerCase()) ?? null, has: (name) => headers.has(String(name).toLowerCase()) }),
      text: async () => data.text,
      json: async () => JSON.parse(data.text),
    });
  }
  window.oko = Object.freeze({
    pluginId: c.pluginId,
    apiBase: c.apiBase,
    fetch(path, init) {
      const method = ((init && init.method) || 'GET').toUpperCase();
      const body = init && init.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        return Promise.reject(new TypeError('oko.fetch: body must be a string (use JSON.stringify)'));
      }
      const payload = typeof body === 'string' ? { bodyText: body } : {};
      return send(path, method, plainHeaders(init && init.headers), payload).then((data) => responseOf(data, path));
    },
    request(path, init) {
      const payload = init && init.body !== undefined ? { body: init.body } : {};
      return send(path, ((init && init.method) || 'GET').toUpperCase(), {}, payload).then((data) => ({ status: data.status, body: data.body }));
    },
  });
  if (embedded && typeof ResizeObserver === 'function') {
    // The content's own height, not scrollHeight: that one follows the frame's height and grows with it.
    const report = () => window.parent.postMessage({ type: c.resize, height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, '*');
    new ResizeObserver(report).observe(document.documentElement);
  }
})();`;
}
