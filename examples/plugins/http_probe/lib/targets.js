// The endpoints the user asked to watch. Only these are ever probed: the plugin never
// scans or guesses hosts, and the probe action takes a target id, not an address.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

export const KINDS = ['http', 'https', 'tcp'];
export const MAX_TARGETS = 200;
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

/** Checks a target a user sent; answers `{ value }` or `{ problems: [..] }` naming each bad field. */
export function parseTarget(body) {
  const input = body && typeof body === 'object' ? body : {};
  const problems = [];
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
  const label = input.label === undefined ? null : String(input.label).slice(0, 100);
  if (problems.length > 0) return { problems };
  return { value: { host, port, kind, path, timeout_ms: timeout, label } };
}

export function sameEndpoint(a, b) {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.kind === b.kind && a.path === b.path;
}

export function newTarget(value) {
  return { id: randomUUID(), ...value, created_at: new Date().toISOString() };
}
