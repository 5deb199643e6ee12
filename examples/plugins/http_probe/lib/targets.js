// The endpoints the user asked to watch. Only these are ever probed: the plugin never
// scans or guesses hosts, and the probe action takes a target id, not an address.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

export const KINDS = ['http', 'https', 'tcp'];
export const MAX_TARGETS = 200;
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

const DEFAULT_PORTS = { http: 80, https: 443 };

/**
 * `https://example.org/health`, `tcp://db.internal:5432`: the address a person types, split into the
 * fields a target keeps. Answers `{ fields }` or `{ problem }`.
 */
function fromUrl(text) {
  const example = 'write it as https://example.org/health or tcp://db.internal:5432';
  if (typeof text !== 'string' || text.length > 600) return { problem: `url: must be an address, ${example}` };
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return { problem: `url: is not an address; ${example}` };
  }
  const kind = url.protocol.slice(0, -1);
  if (!KINDS.includes(kind)) return { problem: `url: must start with http://, https:// or tcp://` };
  if (url.username || url.password) return { problem: 'url: must not contain a user name or password' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[kind];
  if (port === undefined) return { problem: 'url: a tcp:// address needs a port, as in tcp://db.internal:5432' };
  return { fields: { host, port, kind, path: kind === 'tcp' ? null : `${url.pathname}${url.search}` } };
}

/**
 * Checks a target a user sent, either `{url, label?}` or `{host, port, kind?, path?, label?}`, plus
 * `timeout_ms?`; answers `{ value }` or `{ problems: [..] }` naming each bad field.
 */
export function parseTarget(body) {
  let input = body && typeof body === 'object' ? body : {};
  const problems = [];
  if (input.url !== undefined) {
    const parsed = fromUrl(input.url);
    if (parsed.problem) return { problems: [parsed.problem] };
    input = { ...input, ...parsed.fields };
  }
  const host = typeof input.host === 'string' ? input.host.trim() : '';
  if (!host) problems.push('host: is required');
  else if (!isIP(host) && !HOSTNAME.test(host)) problems.push('host: must be a host name or an IP address, without scheme or port');
  const port = Number(input.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('port: must be a whole number from 1 to 65535');
  const kind = input.kind ?? 'http';
  if (!KINDS.includes(kind)) problems.push(`kind: must be one of ${KINDS.join(', ')}`);
  const path = kind === 'tcp' ? null : (input.path ?? '/');
  if (path !== null && (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path) || path.length > 500)) {
    problems.push('path: must start with / and contain no spaces');
  }
  const timeout = Number(input.timeout_ms ?? 3000);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 30000) problems.push('timeout_ms: must be from 100 to 30000');
  const label = input.label === undefined || input.label === null ? null : String(input.label).trim().slice(0, 100) || null;
  if (problems.length > 0) return { problems };
  return { value: { host, port, kind, path, timeout_ms: timeout, label } };
}

export function sameEndpoint(a, b) {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.kind === b.kind && a.path === b.path;
}

export function newTarget(value) {
  return { id: randomUUID(), ...value, created_at: new Date().toISOString() };
}

/** The address as a person writes it: `https://example.org/health`, `tcp://db.internal:5432`. */
export function displayUrl(target) {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const port = DEFAULT_PORTS[target.kind] === target.port ? '' : `:${target.port}`;
  return `${target.kind}://${host}${port}${target.path ?? ''}`;
}

/**
 * Whether the manifest's `network` permission lets the plugin reach `host:port` (the sandbox refuses
 * the rest). Checked when a target is added, so a user learns it then, not at every probe. Patterns
 * as in the manifest: `*`, `host:port`, `*.example.org:443`, `*:443`, `[::1]:8080`, `host:*`.
 */
export function allowedByNetwork(patterns, host, port) {
  const name = host.toLowerCase().replace(/\.$/, '');
  return (patterns ?? []).some((pattern) => {
    if (pattern === '*') return true;
    const cut = pattern.lastIndexOf(':');
    const [hostPattern, portPattern] = [pattern.slice(0, cut).replace(/^\[(.*)\]$/, '$1'), pattern.slice(cut + 1)];
    if (portPattern !== '*' && Number(portPattern) !== port) return false;
    if (hostPattern === '*') return true;
    if (hostPattern.startsWith('*.')) return name.endsWith(hostPattern.slice(1));
    return name === hostPattern;
  });
}
