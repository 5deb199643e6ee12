import { canonicalName, isLoopbackOrUnspecified, parseIp, type IpAddress } from './addresses.js';
import { DECLARE_NETWORK } from './errors.js';
import type { GuardPolicy } from './policy.js';
import {
  append,
  MapCtor,
  MapGet,
  MapSet,
  NumberIsInteger,
  NumberParseInt,
  NumberToString,
  StringCharCodeAt,
  StringIndexOf,
  StringLastIndexOf,
  StringSlice,
} from './primordials.js';

/*
 * The policy's endpoints compiled once, at install, into plain data no plugin code can reach. Every
 * check takes the IP actually connected to; a host-name pattern counts only with the names that IP
 * was resolved from by the guards themselves (never a name the caller claims, never for an IP
 * literal), and denied endpoints win over every pattern.
 */

type Rule = { kind: 'any' } | { kind: 'ip'; key: string; port: number } | { kind: 'name' | 'suffix'; name: string; port: number };
const ANY_PORT = -1;

function parsePort(text: string): number {
  if (text === '*') return ANY_PORT;
  if (text.length === 0 || text.length > 5) return -2;
  for (let i = 0; i < text.length; i++) {
    const c = StringCharCodeAt(text, i);
    if (c < 48 || c > 57) return -2;
  }
  const port = NumberParseInt(text, 10);
  return port <= 65535 ? port : -2;
}

function compileRule(pattern: string): Rule | null {
  if (pattern === '*') return { kind: 'any' };
  const colon = StringLastIndexOf(pattern, ':');
  if (colon <= 0) return null;
  const port = parsePort(StringSlice(pattern, colon + 1));
  if (port === -2) return null;
  const host = StringSlice(pattern, 0, colon);
  if (StringCharCodeAt(host, 0) === 91 && StringCharCodeAt(host, host.length - 1) === 93) {
    const ip = parseIp(StringSlice(host, 1, -1));
    return ip && ip.family === 6 ? { kind: 'ip', key: ip.key, port } : null;
  }
  if (host === '*') return port === ANY_PORT ? { kind: 'any' } : { kind: 'ip', key: '*', port };
  const ip = parseIp(host);
  if (ip) return ip.family === 4 ? { kind: 'ip', key: ip.key, port } : null;
  if (StringSlice(host, 0, 2) === '*.') {
    const domain = canonicalName(StringSlice(host, 2));
    return domain ? { kind: 'suffix', name: '.' + domain, port } : null;
  }
  const name = canonicalName(host);
  return name ? { kind: 'name', name, port } : null;
}

const portMatches = (rule: number, port: number) => rule === ANY_PORT || rule === port;
const nameMatches = (rule: Rule, name: string) =>
  (rule.kind === 'name' && rule.name === name) ||
  (rule.kind === 'suffix' && name.length > rule.name.length && StringSlice(name, name.length - rule.name.length) === rule.name);

/** `host:port` as a refusal message shows it: `[::1]:8000`, `localhost:8000 (127.0.0.1)`. */
export function showEndpoint(ip: IpAddress, port: number, name?: string): string {
  const address = StringIndexOf(ip.key, ':') >= 0 ? '[' + ip.key + ']' : ip.key;
  return name ? name + ':' + NumberToString(port) + ' (' + address + ')' : address + ':' + NumberToString(port);
}

export interface Endpoints {
  readonly hasNetwork: boolean;
  /** Some pattern matches by host name (it trusts the guards' own DNS answers). */
  readonly hasNamePatterns: boolean;
  readonly canListen: boolean;
  /** Null when (ip, port) may be connected to or sent to; else the refusal message. */
  connect(ip: IpAddress, port: number, names: readonly string[] | null, shownName?: string): string | null;
  /** A port no socket of this process may bind: a denied endpoint's port on this machine. */
  isDeniedPort(port: number): boolean;
  isLocal(ip: IpAddress): boolean;
}

export function compileEndpoints(policy: GuardPolicy, interfaceAddresses: readonly string[]): Endpoints {
  const rules: Rule[] = [];
  const network = policy.network;
  for (let i = 0; i < network.length; i++) {
    const pattern = network[i];
    const rule = typeof pattern === 'string' ? compileRule(pattern) : null;
    if (!rule) throw new Error(`installGuards: invalid network pattern ${JSON.stringify(pattern)}`);
    append(rules, rule);
  }
  const local = new MapCtor<string, true>();
  const extra = [...interfaceAddresses, ...(policy.localAddresses ?? [])];
  for (let i = 0; i < extra.length; i++) {
    const ip = parseIp(extra[i]);
    if (ip) MapSet(local, ip.key, true);
  }
  const denied: Array<{ key: string | 'local'; port: number }> = [];
  for (let i = 0; i < policy.denied.length; i++) {
    const entry = policy.denied[i]!;
    const ip = entry.address === 'local' ? null : parseIp(entry.address);
    if ((entry.address !== 'local' && !ip) || !NumberIsInteger(entry.port) || entry.port < 1 || entry.port > 65535) {
      throw new Error(`installGuards: invalid denied endpoint ${JSON.stringify(entry)}`);
    }
    append(denied, { key: ip ? ip.key : 'local', port: entry.port });
  }
  const isLocal = (ip: IpAddress) => isLoopbackOrUnspecified(ip) || MapGet(local, ip.key) === true;
  const isDenied = (ip: IpAddress, port: number) => {
    for (let i = 0; i < denied.length; i++) {
      const entry = denied[i]!;
      if (entry.port === port && (entry.key === ip.key || (entry.key === 'local' && isLocal(ip)))) return true;
    }
    return false;
  };

  return {
    hasNetwork: rules.length > 0,
    hasNamePatterns: ((): boolean => {
      for (let i = 0; i < rules.length; i++) if (rules[i]!.kind === 'name' || rules[i]!.kind === 'suffix') return true;
      return false;
    })(),
    canListen: policy.listen === true,
    isLocal,
    isDeniedPort(port) {
      for (let i = 0; i < denied.length; i++) if (denied[i]!.port === port) return true;
      return false;
    },
    connect(ip, port, names, shownName) {
      const shown = showEndpoint(ip, port, shownName);
      if (isDenied(ip, port)) {
        return `network access to ${shown} is not granted: it is the backend's or the store's own port, which no permission reaches`;
      }
      let nameToLocal = false;
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.kind === 'any') return null;
        if (!portMatches(rule.port, port)) continue;
        if (rule.kind === 'ip') {
          if (rule.key === '*' || rule.key === ip.key) return null;
          continue;
        }
        for (let n = 0; names && n < names.length; n++) {
          if (!nameMatches(rule, names[n]!)) continue;
          if (names[n] === 'localhost' && !isLocal(ip)) continue; // localhost is this machine, whatever an answer says
          // DNS rebinding: a name pattern reaches this machine only when it is `localhost` itself;
          // otherwise any name under a declared domain could be pointed at the backend's neighbours.
          if (isLocal(ip) && !(rule.kind === 'name' && rule.name === 'localhost')) nameToLocal = true;
          else return null;
        }
      }
      if (nameToLocal) {
        return `network access to ${shown} is not granted: the name resolves to an address of this machine, which only an IP pattern (e.g. 127.0.0.1:${NumberToString(port)}) or localhost reaches ${DECLARE_NETWORK}`;
      }
      return `network access to ${shown} is not granted ${DECLARE_NETWORK}`;
    },
  };
}
