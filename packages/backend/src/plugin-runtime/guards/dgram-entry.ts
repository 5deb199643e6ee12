import type * as dgramModule from 'node:dgram';
import { canonicalName, parseIp } from './addresses.js';
import { portOf, type EntryContext } from './entry-context.js';
import { DECLARE_LISTEN, DECLARE_NETWORK, sandboxError } from './errors.js';
import { ReflectApply } from './primordials.js';

/*
 * dgram's public entry points, for clear errors and host-name patterns; the UDP handle's send,
 * connect and bind (handles.ts) refuse the same things however they are reached. A destination
 * given as a name is resolved here, by the genuine dns.lookup, checked with that name, recorded for
 * the handle layer, and handed to dgram as the IP it resolved to.
 */

const udp6 = (socket: dgramModule.Socket) => (socket as unknown as { type: string }).type === 'udp6';
type Callback = (error: unknown, ...rest: unknown[]) => void;

export function guardDgram(dgram: typeof dgramModule, ctx: EntryContext): void {
  const { endpoints } = ctx;
  const proto = dgram.Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;

  const connected = (socket: dgramModule.Socket) => {
    try {
      socket.remoteAddress();
      return true;
    } catch {
      return false;
    }
  };

  /**
   * Checks `address` (IP or name, defaulting to localhost as dgram does) at `port`, then calls
   * `proceed` with the IP to use, or `fail` with the refusal, as dgram would report a DNS error.
   */
  const resolveChecked = (
    socket: dgramModule.Socket,
    address: unknown,
    port: number,
    proceed: (ip: string) => void,
    fail: (error: unknown) => void,
  ) => {
    const literal = address === undefined || address === null ? (udp6(socket) ? '::1' : '127.0.0.1') : address;
    if (typeof literal !== 'string') return proceed(literal as string); // dgram refuses it itself
    const ip = parseIp(literal);
    if (ip) {
      // dgram calls send again, with the IP, once its socket is bound: names recorded then still count
      const refusal = endpoints.connect(ip, port, ctx.namesFor(socket, ip.key));
      return refusal ? fail(sandboxError(refusal)) : proceed(literal);
    }
    if (!endpoints.hasNetwork) return fail(sandboxError(`network access to ${literal}:${port} is not granted ${DECLARE_NETWORK}`));
    const name = canonicalName(literal);
    if (name === null) {
      return fail(sandboxError(`network access to ${JSON.stringify(literal)}:${port} is not granted: not a plain ASCII host name`));
    }
    ctx.genuineLookup(literal, { family: udp6(socket) ? 6 : 4 }, (error: unknown, resolved: unknown) => {
      if (error) return fail(error);
      const answer = parseIp(resolved);
      const refusal = answer ? endpoints.connect(answer, port, [name], name) : `network access to ${name} is not granted`;
      if (refusal) return fail(sandboxError(refusal));
      ctx.approve(socket, answer!.key, name);
      try {
        proceed(resolved as string);
      } catch (thrown) {
        fail(thrown);
      }
    });
  };

  const reporter = (socket: dgramModule.Socket, callback: unknown) => (error: unknown) =>
    ctx.nextTick(() => (typeof callback === 'function' ? (callback as Callback)(error) : socket.emit('error', error)));

  const send = proto.send!;
  proto.send = function guardedSend(this: dgramModule.Socket, ...args: unknown[]) {
    if (connected(this)) return ReflectApply(send, this, args);
    // dgram's own reading: send(msg, offset, length, port, address, cb) or send(msg, port, address, cb)
    const long = Boolean(args[4]) || (Boolean(args[3]) && typeof args[3] !== 'function');
    const portAt = long ? 3 : 1;
    let addressAt = portAt + 1;
    if (typeof args[addressAt] === 'function') addressAt = -1;
    const callback = args[addressAt === -1 ? portAt + 1 : addressAt + 1];
    const port = portOf(args[portAt]);
    if (port < 0) return ReflectApply(send, this, args); // dgram refuses a bad port itself
    resolveChecked(
      this,
      addressAt === -1 ? undefined : args[addressAt],
      port,
      (ip) => {
        const copy = args.slice();
        if (addressAt !== -1) copy[addressAt] = ip;
        ReflectApply(send, this, copy);
      },
      reporter(this, callback),
    );
  };

  const connect = proto.connect!;
  proto.connect = function guardedConnect(this: dgramModule.Socket, ...args: unknown[]) {
    const port = portOf(args[0]);
    if (port < 0) return ReflectApply(connect, this, args);
    const addressGiven = typeof args[1] !== 'function';
    const callback = addressGiven ? args[2] : args[1];
    resolveChecked(
      this,
      addressGiven ? args[1] : undefined,
      port,
      (ip) => ReflectApply(connect, this, addressGiven ? [port, ip, ...args.slice(2)] : args),
      reporter(this, callback),
    );
  };

  const bind = proto.bind!;
  proto.bind = function guardedBind(this: dgramModule.Socket, ...args: unknown[]) {
    const first = args[0];
    const port = first !== null && typeof first === 'object' ? (first as { port?: unknown }).port : typeof first === 'function' ? 0 : first;
    const number = port === undefined || port === null ? 0 : portOf(port);
    if (number !== 0 && !endpoints.canListen) {
      throw sandboxError(`listening on UDP ${number > 0 ? `port ${number}` : 'a port'} is not granted ${DECLARE_LISTEN}`);
    }
    if (number > 0 && endpoints.isDeniedPort(number)) {
      throw sandboxError(
        `binding UDP port ${number} is not granted: it is the backend's or the store's own port, which no permission reaches`,
      );
    }
    return ReflectApply(bind, this, args);
  };
}
