import type * as netModule from 'node:net';
import { canonicalName, parseIp } from './addresses.js';
import { absolutePath, portOf, type EntryContext } from './entry-context.js';
import { DECLARE_LISTEN, DECLARE_NETWORK, sandboxError } from './errors.js';
import { append, ArrayIsArray, ObjectGetOwnPropertySymbols, ReflectApply } from './primordials.js';

/*
 * net's public entry points, for clear errors delivered the way net reports failures and for the
 * DNS bookkeeping that lets host-name patterns work. Security does not rest here (the handle layer
 * in handles.ts refuses the same things however it is reached); these wrappers make an honest
 * plugin see "network access to 127.0.0.1:8000 is not granted ..." as the socket's, the request's
 * or fetch's error instead of a bare EACCES. Everything that connects a stream socket goes through
 * Socket.prototype.connect (net.connect, tls.connect, http/https agents, http2, undici's fetch), and
 * every server through Server.prototype.listen (http, https, http2, tls servers).
 */

const notAHostName = (host: unknown, port: number) =>
  `network access to ${JSON.stringify(String(host))}:${port} is not granted: not a plain ASCII host name (write an international name in punycode)`;

type Lookup = (hostname: string, options: object, callback: (...args: unknown[]) => void) => unknown;
interface LookupEntry {
  address: string;
  family: number;
}

export function guardNet(net: typeof netModule, ctx: EntryContext): void {
  const { endpoints, sockets } = ctx;
  const netInternals = net as unknown as { _normalizeArgs: (args: unknown[]) => unknown[] };
  const normalize = netInternals._normalizeArgs;
  const normalizedSymbol = ObjectGetOwnPropertySymbols(normalize([{}]))[0];
  if (typeof normalize !== 'function' || !normalizedSymbol)
    throw new Error('installGuards: net._normalizeArgs not found; this Node version is not supported');

  /** A lookup for this socket: only the addresses the policy allows for (name, port) come back. */
  const guardedLookup = (socket: object, port: number, userLookup: unknown): Lookup =>
    function lookup(hostname, options, callback) {
      // A lookup the plugin supplies is not DNS the guards did: its answers match IP patterns only.
      const genuine = typeof userLookup !== 'function';
      const source = (genuine ? ctx.genuineLookup : userLookup) as Lookup;
      const name = canonicalName(String(hostname));
      if (name === null) return callback(sandboxError(notAHostName(hostname, port)));
      return ReflectApply(source, undefined, [
        hostname,
        options,
        (error: unknown, address: unknown, family: unknown) => {
          if (error) return callback(error);
          // Indexed loops and captured built-ins: what is approved here is trusted by the handle
          // layer, so a replaced Array iterator or Array.isArray must not choose the answers.
          const all = ArrayIsArray(address);
          const answers = (all ? address : [{ address, family }]) as LookupEntry[];
          const kept: LookupEntry[] = [];
          let refusal: string | null = null;
          for (let i = 0; i < answers.length; i++) {
            const answer = answers[i]!;
            const ip = parseIp(answer.address);
            const why = ip
              ? endpoints.connect(ip, port, genuine ? [name] : null, name)
              : `network access to ${name} is not granted: it resolved to ${String(answer.address)}`;
            if (why) refusal ??= why;
            else {
              if (genuine) ctx.approve(socket, ip!.key, name);
              append(kept, { address: answer.address, family: answer.family });
            }
          }
          if (kept.length === 0)
            return callback(sandboxError(refusal ?? `network access to ${name} is not granted: it resolved to no address`));
          return all ? callback(null, kept) : callback(null, kept[0]!.address, kept[0]!.family);
        },
      ]);
    };

  /** Null when the connect may go ahead (options possibly rewritten), else the refusal message. */
  const prepare = (socket: object, options: Record<string, unknown>): string | null => {
    if (options.path) {
      const verdict = sockets.check(absolutePath(ctx, options.path));
      if ('message' in verdict) return verdict.message;
      options.path = verdict.path;
      return null;
    }
    const port = portOf(options.port);
    if (port < 0) return null; // net itself refuses a bad port
    const localPort = portOf(options.localPort);
    if (localPort > 0 && endpoints.isDeniedPort(localPort)) {
      return `binding port ${localPort} is not granted: it is the backend's or the store's own port, which no permission reaches`;
    }
    const host = typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost';
    if (!endpoints.hasNetwork) return `network access to ${host}:${port} is not granted ${DECLARE_NETWORK}`;
    const ip = parseIp(host);
    if (ip) return endpoints.connect(ip, port, null);
    if (canonicalName(host) === null) return notAHostName(host, port);
    options.lookup = guardedLookup(socket, port, options.lookup);
    return null;
  };

  const connect = net.Socket.prototype.connect as (...args: unknown[]) => unknown;
  net.Socket.prototype.connect = function guardedConnect(this: netModule.Socket, ...args: unknown[]) {
    const given = args[0] as Record<symbol, unknown> | undefined;
    const normalized = Array.isArray(given) && given[normalizedSymbol] ? (given as unknown[]) : normalize(args);
    const options = { ...(normalized[0] as Record<string, unknown>) };
    const rewritten: unknown[] = [options, normalized[1]];
    (rewritten as unknown as Record<symbol, unknown>)[normalizedSymbol] = true;
    const refusal = prepare(this, options);
    if (refusal && !options.path) {
      // Refused the way net reports a failed lookup, through net's own path: the socket gets its
      // handle and `connecting` as usual (http2 and others rely on both), then emits the error,
      // and so does the request or fetch over it. The name is never looked up.
      options.host = 'refused.oko-sandbox.invalid';
      options.lookup = (_name: string, _options: object, callback: (error: Error) => void) => callback(sandboxError(refusal));
    } else if (refusal) {
      // A Unix socket: no lookup to fail, so the error is emitted as net would emit it.
      (this as { connecting: boolean }).connecting = true;
      ctx.nextTick(() => this.destroy(sandboxError(refusal)));
      return this;
    }
    return ReflectApply(connect, this, [rewritten]);
  } as typeof net.Socket.prototype.connect;

  const listen = net.Server.prototype.listen as (...args: unknown[]) => unknown;
  net.Server.prototype.listen = function guardedListen(this: netModule.Server, ...args: unknown[]) {
    const first = args[0];
    let path: unknown;
    let port: unknown = first;
    if (first !== null && typeof first === 'object') {
      const options = first as Record<string, unknown>;
      port = options.port;
      if (options.port === undefined && options.path) path = options.path;
      else if (options.port === undefined && (options.handle || options._handle || options.fd !== undefined)) port = 'a handle';
    } else if (typeof first === 'string' && portOf(first) < 0) path = first;
    if (path !== undefined) {
      const verdict = sockets.check(absolutePath(ctx, path));
      if ('message' in verdict) throw sandboxError(verdict.message);
      args[0] = typeof first === 'object' ? { ...(first as object), path: verdict.path } : verdict.path;
      return ReflectApply(listen, this, args);
    }
    const number = port === undefined || port === null ? 0 : portOf(port);
    const shown = number >= 0 ? `port ${number}` : 'a port';
    if (!endpoints.canListen) throw sandboxError(`listening on ${shown} is not granted ${DECLARE_LISTEN}`);
    if (number > 0 && endpoints.isDeniedPort(number)) {
      throw sandboxError(`listening on ${shown} is not granted: it is the backend's or the store's own port, which no permission reaches`);
    }
    return ReflectApply(listen, this, args);
  } as typeof net.Server.prototype.listen;
}
