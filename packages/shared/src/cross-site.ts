import { createError } from './errors.js';

// The cross-site write rule of both services (CSRF). Neither has a session or cookie, but the
// backend has no auth at all and the store may run without a key, so any page the user visits
// could otherwise POST a form to http://localhost:8000/… and install or run plugins.

/** Request headers as Node gives them: lower-case names. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/** Methods that change nothing; CORS keeps a cross-site page from reading their answers. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  // A header sent twice is not something a browser does: keep it, joined, so it matches nothing.
  return Array.isArray(value) ? value.join(',') : value;
}

/** `scheme://host[:port]` as browsers serialize it, or null for anything that is not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  return url.origin;
}

/**
 * A comma-separated list of origins from the environment (e.g. `OKO_ALLOWED_ORIGINS`), each
 * normalized. Throws naming the variable when an entry is not a plain http(s) origin.
 */
export function parseOriginList(raw: string | undefined, variable: string): string[] {
  const origins: string[] = [];
  for (const entry of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const origin = normalizeOrigin(entry);
    if (!origin) throw new Error(`${variable}: '${entry}' is not an origin like https://host[:port]`);
    origins.push(origin);
  }
  return origins;
}

/**
 * Why a request must be refused as a cross-site write, or null when it may pass.
 *
 * - GET, HEAD and OPTIONS always pass: they change nothing.
 * - An `Origin` in `allowedOrigins` passes (a UI on another host that is meant to write).
 * - `Sec-Fetch-Site` (sent by every current browser, and not settable by a page) decides when
 *   present: `same-origin` and `none` (typed by the user) pass; `cross-site` and `same-site` are
 *   refused. Same-site is refused too because on localhost every other port is the same site
 *   (any other local web app or dev server), and on a shared domain so is every subdomain.
 * - Without `Sec-Fetch-Site` (older browsers), an `Origin` whose host:port is not the request's
 *   `Host` is refused; `Origin: null` (sandboxed frame, opaque document) is refused.
 * - Without either header the request did not come from a web page (curl, the CLI, one service
 *   calling another, tests) and passes.
 */
export function crossSiteWriteProblem(method: string, headers: RequestHeaders, allowedOrigins: readonly string[] = []): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  const origin = header(headers, 'origin');
  const normalized = origin === undefined ? null : normalizeOrigin(origin);
  if (normalized && allowedOrigins.includes(normalized)) return null;

  const site = header(headers, 'sec-fetch-site')?.trim().toLowerCase();
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return null;
    return `${method} refused: the browser says this request comes from another site (Sec-Fetch-Site: ${site}${origin ? `, Origin: ${origin}` : ''})`;
  }

  if (origin === undefined) return null;
  if (!normalized) return `${method} refused: the request comes from an opaque or unknown origin (Origin: ${origin})`;
  const host = header(headers, 'host');
  if (host && sameHost(normalized, host)) return null;
  return `${method} refused: the request comes from another origin (Origin: ${origin}, Host: ${host ?? 'none'})`;
}

/** The origin's host:port against the Host header, default ports and case normalized by URL. */
function sameHost(origin: string, host: string): boolean {
  const originUrl = new URL(origin);
  try {
    return new URL(`${originUrl.protocol}//${host.trim()}`).host === originUrl.host;
  } catch {
    return false;
  }
}

/**
 * `crossSiteWriteProblem` as a request hook (Fastify `onRequest` fits): throws 403
 * `CROSS_SITE_REQUEST`, which the service's error handler turns into the one error shape.
 * `variable` names the allow-list setting in the message, so an operator knows the way out.
 */
export function crossSiteWriteGuard(allowedOrigins: readonly string[], variable: string) {
  // Callback style, not async: it runs on every request, and a promise per request is measurable on the list routes.
  return (request: { method: string; headers: RequestHeaders }, _reply: unknown, done: HookDone): void => {
    const problem = crossSiteWriteProblem(request.method, request.headers, allowedOrigins);
    if (!problem) return done();
    done(
      createError(
        'CROSS_SITE_REQUEST',
        `${problem}. Only pages of this service's own origin may write; other origins must be listed in ${variable}`,
      ),
    );
  };
}

/** Fastify's `done` of a callback-style hook: no argument lets the request on, an error answers it. */
export type HookDone = (error?: Error) => void;

// DNS rebinding: a page at http://attacker.example:8000 whose name is then re-pointed to 127.0.0.1
// is same-origin with itself, so Sec-Fetch-Site says same-origin and the write rule above lets it
// through, reads and writes alike. What the browser cannot hide is the name it used: the `Host`
// header says attacker.example. A service without sign-in therefore answers only names it knows.

/**
 * The host name of a `Host` header value (lower-case, IPv6 in brackets, port dropped), or null
 * when the value is not a plain host[:port].
 */
export function hostNameOf(value: string): string | null {
  const trimmed = value.trim();
  if (!trimmed || /[/?#@\\\s]/.test(trimmed)) return null;
  try {
    return new URL(`http://${trimmed}`).hostname;
  } catch {
    return null;
  }
}

/**
 * A comma-separated list of host names from the environment (e.g. `OKO_ALLOWED_HOSTS`), each
 * lower-cased; a port is accepted and ignored. A leading dot (`.example.com`) also allows every
 * subdomain. Throws naming the variable when an entry is not a host name.
 */
export function parseHostList(raw: string | undefined, variable: string): string[] {
  const hosts: string[] = [];
  for (const entry of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const domain = entry.startsWith('.');
    const name = hostNameOf(domain ? entry.slice(1) : entry);
    if (!name) throw new Error(`${variable}: '${entry}' is not a host name like dashboard.example.com`);
    hosts.push(domain ? `.${name}` : name);
  }
  return hosts;
}

/** An IP literal is not a name, so it cannot be re-pointed: the page really came from that address. */
function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Why a request's `Host` is refused, or null when it may pass. Known are: any IP literal (127.0.0.1,
 * [::1], a LAN address), `localhost` and `*.localhost` (browsers resolve them to loopback only),
 * the names in `allowedHosts`. The port is not compared: behind a port mapping (Docker's 8080:8000)
 * the browser's port is not the listen port, and a rebinding page keeps the port and changes the
 * name. A request without `Host` is not from a browser and passes.
 */
export function unknownHostProblem(host: string | undefined, allowedHosts: readonly string[]): string | null {
  if (host === undefined) return null;
  const name = hostNameOf(host);
  if (name === null) return `the Host header '${host}' is not a host name`;
  if (isIpLiteral(name) || name === 'localhost' || name.endsWith('.localhost')) return null;
  if (allowedHosts.some((allowed) => name === allowed || (allowed.startsWith('.') && (name.endsWith(allowed) || `.${name}` === allowed))))
    return null;
  return `the Host '${host}' is not a name this service is known by`;
}

/**
 * `unknownHostProblem` as a request hook (Fastify `onRequest` fits), for every method: a rebound
 * page must not read plugin data either. Throws 403 `UNKNOWN_HOST` naming `variable`, the way out.
 */
export function knownHostGuard(allowedHosts: readonly string[], variable: string) {
  // Callback style, as crossSiteWriteGuard: it runs on every request.
  return (request: { headers: RequestHeaders }, _reply: unknown, done: HookDone): void => {
    const problem = unknownHostProblem(header(request.headers, 'host'), allowedHosts);
    if (!problem) return done();
    done(
      createError(
        'UNKNOWN_HOST',
        `Refused: ${problem}. Without sign-in this service answers only IP addresses, localhost and the names in ${variable} ` +
          '(a guard against DNS rebinding); add the name you use to reach it there',
      ),
    );
  };
}
