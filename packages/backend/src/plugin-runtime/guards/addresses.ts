import {
  append,
  NumberParseInt,
  NumberToString,
  StringCharCodeAt,
  StringIndexOf,
  StringLastIndexOf,
  StringSlice,
  StringToLowerCase,
} from './primordials.js';

/*
 * IP addresses parsed here, never by `net.isIP` or libuv: a guard checks the address it parsed and
 * hands libuv the canonical text it wrote itself, so the address checked is exactly the address
 * connected to (no leading zeros, IPv4-mapped IPv6 or odd spellings read one way by the check and
 * another by inet_pton).
 */

export interface IpAddress {
  /** The family of the text: which handle method (`connect` or `connect6`) takes it. */
  family: 4 | 6;
  /** Canonical text to pass to libuv, in its own family (with the IPv6 zone, if any). */
  wire: string;
  /** What policies compare: dotted IPv4 for IPv4 and IPv4-mapped IPv6, else 8 full hex groups. */
  key: string;
}

function decimal(text: string): number {
  if (text.length === 0 || text.length > 3) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = StringCharCodeAt(text, i);
    if (c < 48 || c > 57) return -1;
  }
  if (text.length > 1 && StringCharCodeAt(text, 0) === 48) return -1; // inet_pton refuses leading zeros
  const value = NumberParseInt(text, 10);
  return value <= 255 ? value : -1;
}

function ipv4Bytes(text: string): number[] | null {
  const bytes: number[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || StringCharCodeAt(text, i) === 46) {
      const byte = decimal(StringSlice(text, start, i));
      if (byte < 0 || bytes.length === 4) return null;
      append(bytes, byte);
      start = i + 1;
    }
  }
  return bytes.length === 4 ? bytes : null;
}

function hexGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return -1;
  const lower = StringToLowerCase(text);
  for (let i = 0; i < lower.length; i++) {
    const c = StringCharCodeAt(lower, i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return -1;
  }
  return NumberParseInt(text, 16);
}

/** The 8 groups of an IPv6 address without zone, or null. */
function ipv6Groups(text: string): number[] | null {
  const gap = StringIndexOf(text, '::');
  if (gap >= 0 && StringIndexOf(text, '::', gap + 1) >= 0) return null;
  const parts = (side: string): number[] | null => {
    const groups: number[] = [];
    if (side.length === 0) return groups;
    let start = 0;
    for (let i = 0; i <= side.length; i++) {
      if (i === side.length || StringCharCodeAt(side, i) === 58) {
        const piece = StringSlice(side, start, i);
        if (i === side.length && StringIndexOf(piece, '.') >= 0) {
          const v4 = ipv4Bytes(piece);
          if (!v4) return null;
          append(groups, v4[0]! * 256 + v4[1]!);
          append(groups, v4[2]! * 256 + v4[3]!);
        } else {
          const group = hexGroup(piece);
          if (group < 0) return null;
          append(groups, group);
        }
        start = i + 1;
      }
    }
    return groups;
  };
  const head = parts(gap >= 0 ? StringSlice(text, 0, gap) : text);
  const tail = gap >= 0 ? parts(StringSlice(text, gap + 2)) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (gap >= 0 ? missing < 1 : missing !== 0) return null;
  const groups: number[] = [];
  for (let i = 0; i < head.length; i++) append(groups, head[i]!);
  for (let i = 0; i < missing; i++) append(groups, 0);
  for (let i = 0; i < tail.length; i++) append(groups, tail[i]!);
  return groups;
}

function isZone(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const c = StringCharCodeAt(text, i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95;
    if (!ok) return false;
  }
  return true;
}

const dotted = (b: number[]): string =>
  NumberToString(b[0]!) + '.' + NumberToString(b[1]!) + '.' + NumberToString(b[2]!) + '.' + NumberToString(b[3]!);

/** Parses an IP literal (IPv4, or IPv6 with an optional `%zone`); null for anything else. */
export function parseIp(text: unknown): IpAddress | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const v4 = ipv4Bytes(text);
  if (v4) {
    const wire = dotted(v4);
    return { family: 4, wire, key: wire };
  }
  const percent = StringIndexOf(text, '%');
  const zone = percent >= 0 ? StringSlice(text, percent + 1) : '';
  if (percent >= 0 && !isZone(zone)) return null;
  const groups = ipv6Groups(percent >= 0 ? StringSlice(text, 0, percent) : text);
  if (!groups) return null;
  let full = '';
  for (let i = 0; i < 8; i++) full += (i ? ':' : '') + NumberToString(groups[i]!, 16);
  const mapped = groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
  const tail = [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255];
  return { family: 6, wire: percent >= 0 ? full + '%' + zone : full, key: mapped ? dotted(tail) : full };
}

/** Loopback, unspecified, "this network" or limited broadcast: addresses that reach this machine. */
export function isLoopbackOrUnspecified(ip: IpAddress): boolean {
  if (ip.key === '255.255.255.255') return true;
  if (StringIndexOf(ip.key, ':') < 0) {
    const first = NumberParseInt(StringSlice(ip.key, 0, StringIndexOf(ip.key, '.')), 10);
    return first === 127 || first === 0;
  }
  if (ip.key === '0:0:0:0:0:0:0:1' || ip.key === '0:0:0:0:0:0:0:0') return true;
  // IPv4-compatible ::a.b.c.d (deprecated, but a kernel may still route it): judge its IPv4 part
  const compatible = StringSlice(ip.key, 0, 12) === '0:0:0:0:0:0:';
  if (!compatible) return false;
  const high = NumberParseInt(StringSlice(ip.key, 12, StringLastIndexOf(ip.key, ':')), 16);
  return high >> 8 === 127 || high >> 8 === 0;
}

/**
 * A host name as the policies compare it (lower case, no trailing dot), or null when it is not a
 * plain ASCII host name. Anything else is refused before it is looked up: Node 20 passes a name
 * with a NUL to the resolver cut at the NUL (`evil.com\0.example.com` would match
 * `*.example.com` and resolve evil.com), and a name the check and the resolver could read
 * differently must not match a pattern.
 */
export function canonicalName(name: string): string | null {
  const lower = StringToLowerCase(name);
  const text = lower.length > 1 && StringCharCodeAt(lower, lower.length - 1) === 46 ? StringSlice(lower, 0, -1) : lower;
  if (text.length === 0 || text.length > 253) return null;
  let labelLength = 0;
  for (let i = 0; i < text.length; i++) {
    const c = StringCharCodeAt(text, i);
    if (c === 46) {
      if (labelLength === 0) return null;
      labelLength = 0;
      continue;
    }
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok || ++labelLength > 63) return null;
  }
  return labelLength === 0 ? null : text;
}
