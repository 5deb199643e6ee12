import type * as dnsModule from 'node:dns';
import { parseIp } from './addresses.js';
import type { EntryContext } from './entry-context.js';
import { DECLARE_NETWORK, sandboxError } from './errors.js';
import { ReflectApply } from './primordials.js';

/*
 * dns.lookup and dns.lookupService are the only ways to the system resolver (getaddrinfo and
 * getnameinfo); their binding is reachable only from inside Node's own dns module, so wrapping
 * these exports (on dns and dns/promises) covers them. Everything else in dns (resolve*, reverse,
 * Resolver classes) goes through c-ares' ChannelWrap, guarded in handles.ts. net and dgram read
 * `dns.lookup` at call time, so they see the wrapper too. Without a network permission no name is
 * looked up; an IP literal or an empty name needs no DNS and passes, as in Node.
 */

type Fn = (...args: unknown[]) => unknown;

const needsDns = (hostname: unknown) => typeof hostname === 'string' && hostname !== '' && !parseIp(hostname);
const lookupRefused = (hostname: unknown) =>
  sandboxError(`DNS lookup of ${String(hostname)} is not granted: DNS needs a network permission ${DECLARE_NETWORK}`);
const reverseRefused = (address: unknown) =>
  sandboxError(`DNS reverse lookup of ${String(address)} is not granted: DNS needs a network permission ${DECLARE_NETWORK}`);

export function guardDns(dns: typeof dnsModule, ctx: EntryContext): void {
  if (ctx.endpoints.hasNetwork) return; // DNS is allowed with any network pattern; connections are checked per address
  const callbacks = dns as unknown as Record<string, Fn>;
  const promises = dns.promises as unknown as Record<string, Fn>;

  const lookup = callbacks.lookup!;
  callbacks.lookup = function guardedLookup(this: unknown, ...args: unknown[]) {
    const callback = typeof args[1] === 'function' ? args[1] : args[2];
    if (!needsDns(args[0]) || typeof callback !== 'function') return ReflectApply(lookup, this, args);
    ctx.nextTick(callback as Fn, lookupRefused(args[0]));
    return {};
  };
  const lookupService = callbacks.lookupService!;
  callbacks.lookupService = function guardedLookupService(this: unknown, ...args: unknown[]) {
    if (typeof args[2] !== 'function') return ReflectApply(lookupService, this, args);
    ctx.nextTick(args[2] as Fn, reverseRefused(args[0]));
    return {};
  };

  const promiseLookup = promises.lookup!;
  promises.lookup = function guardedLookup(this: unknown, ...args: unknown[]) {
    return needsDns(args[0]) ? Promise.reject(lookupRefused(args[0])) : ReflectApply(promiseLookup, this, args);
  };
  promises.lookupService = function guardedLookupService(...args: unknown[]) {
    return Promise.reject(reverseRefused(args[0]));
  };
}
