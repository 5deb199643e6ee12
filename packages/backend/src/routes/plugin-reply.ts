import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { RESERVED_ROUTE_SEGMENTS, type PluginRequest } from '@oko/shared';
import type { RouteReply } from '../plugin-manager/protocol.js';

/** Headers that describe one HTTP hop; they are not the plugin's to set or to see. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

/**
 * The caller's credentials: the session cookie and an API token act as the signed-in user, so a
 * plugin that saw them could act as whoever opened its page (an admin). The dashboard keeps them;
 * a plugin gets the rest of the request. Cookie as a whole: the dashboard sets no other cookie.
 */
const CREDENTIALS = new Set(['cookie', 'authorization', 'proxy-authorization']);

/**
 * Every answer that carries a plugin's content (its page, its static files, its route answers)
 * runs in an opaque origin, even when opened directly in a tab: its scripts are then cross-origin
 * to the dashboard's API, so the browser refuses their writes and hides the answers of its reads.
 * nosniff keeps a browser from running a text/plain answer or a "picture" as HTML or script.
 */
export const PLUGIN_CONTENT_HEADERS = {
  'content-security-policy': 'sandbox allow-scripts allow-forms allow-popups',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * The one place that marks plugin content: an onSend hook the page, static and plugin-route
 * routes take as their route option, so error answers of those routes are marked too.
 */
export const pluginContent = {
  onSend: async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    reply.headers(PLUGIN_CONTENT_HEADERS);
    return payload;
  },
};

export function toPluginRequest(request: FastifyRequest, pluginPath: string): PluginRequest {
  const headers: PluginRequest['headers'] = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name) && !CREDENTIALS.has(name)) headers[name] = value;
  return {
    method: request.method,
    path: pluginPath,
    params: {},
    query: { ...(request.query as PluginRequest['query']) },
    headers,
    body: request.body,
  };
}

/** What a plugin may describe about its answer; everything else is the dashboard's to say. */
const ALLOWED = new Set(['content-type', 'cache-control', 'etag', 'last-modified', 'content-language', 'content-disposition', 'location']);
/**
 * `x-` headers that browsers, proxies or the services themselves act on: a plugin must not relax
 * framing or sniffing, make nginx or Apache serve another file (X-Accel-Redirect, X-Sendfile), or
 * pass for the store's or the dashboard's own answers.
 */
const REFUSED_X =
  /^x-(frame-options|content-type-options|xss-protection|dns-prefetch-control|download-options|permitted-cross-domain-policies|ua-compatible|robots-tag|powered-by|forwarded-.*|real-ip|accel-.*|sendfile|lighttpd-send-file|api-key|checksum-.*|request-id|ratelimit-.*)$/;
/** A header value a plugin may send: printable ASCII, no line breaks, bounded. */
const SAFE_VALUE = /^[\x20-\x7e]{0,1024}$/;
/** A download name that cannot carry a path or a trick: `attachment; filename="report-2026.csv"`. */
const DISPOSITION = /^(inline|attachment)(\s*;\s*filename="?([\w][\w .-]{0,99})"?)?$/i;

export interface PluginReplyContext {
  pluginId: string;
  /** The plugin's api_prefix: a Location header may only point under it. */
  apiPrefix: string;
  log: FastifyBaseLogger;
}

/**
 * A redirect target inside the plugin's own routes, as a path, or null. Anything else (another
 * origin, the dashboard's API, a management path such as /disable) would let a plugin send the
 * user's browser, with a 307's method and body, somewhere the plugin cannot go itself.
 */
export function ownLocation(value: string, apiPrefix: string): string | null {
  const base = `http://dashboard.invalid/api/v1/plugins/${apiPrefix}/`;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== 'http://dashboard.invalid' || /%2f|%5c|%2e/i.test(url.pathname)) return null;
  if (!url.pathname.startsWith(new URL(base).pathname)) return null;
  const first = decodeURIComponent(url.pathname.slice(new URL(base).pathname.length).split('/')[0] ?? '').toLowerCase();
  if (RESERVED_ROUTE_SEGMENTS.includes(first)) return null;
  return url.pathname + url.search + url.hash;
}

/** The value to send for a plugin's header, or null when the header is dropped. */
function allowedValue(name: string, value: string, apiPrefix: string): string | null {
  if (!SAFE_VALUE.test(value)) return null;
  if (name === 'content-disposition') return DISPOSITION.test(value.trim()) ? value.trim() : null;
  if (name === 'location') return ownLocation(value, apiPrefix);
  if (ALLOWED.has(name)) return value;
  return /^x-[a-z0-9-]{1,60}$/.test(name) && !REFUSED_X.test(name) ? value : null;
}

/** Header names already reported per plugin: each plugin's dropped names are logged once. */
const reported = new Map<string, Set<string>>();
const MAX_REPORTED_NAMES = 64;

function reportDropped(context: PluginReplyContext, names: string[]): void {
  const seen = reported.get(context.pluginId) ?? new Set<string>();
  reported.set(context.pluginId, seen);
  const fresh = names.filter((name) => !seen.has(name)).slice(0, Math.max(0, MAX_REPORTED_NAMES - seen.size));
  if (fresh.length === 0) return;
  for (const name of fresh) seen.add(name);
  context.log.warn(
    { plugin: context.pluginId, dropped_headers: fresh },
    `Plugin '${context.pluginId}' answered with headers it may not set, dropped: ${fresh.join(', ')}`,
  );
}

/** The plugin's headers that pass the allow-list, lower-cased; the dropped names are logged. */
export function pluginHeaders(headers: Record<string, string>, context: PluginReplyContext): Record<string, string> {
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    const allowed = allowedValue(name, value, context.apiPrefix);
    if (allowed === null) dropped.push(name.slice(0, 100));
    else kept[name] = allowed;
  }
  if (dropped.length > 0) reportDropped(context, dropped);
  return kept;
}

/** Sends what a plugin answered: its status and allowed headers; a string as text, anything else as JSON. */
export function sendPluginReply(
  reply: FastifyReply,
  answer: RouteReply,
  context: PluginReplyContext,
  textType = 'text/plain; charset=utf-8',
): FastifyReply {
  reply.status(answer.status);
  reply.headers(pluginHeaders(answer.headers, context));
  if (answer.body === undefined) return reply.send();
  if (typeof answer.body === 'string') {
    if (!reply.hasHeader('content-type')) reply.type(textType);
    return reply.send(answer.body);
  }
  if (!reply.hasHeader('content-type')) reply.type('application/json; charset=utf-8');
  return reply.send(JSON.stringify(answer.body));
}
