import { parseIp } from './addresses.js';
import type { Endpoints } from './endpoints.js';
import { DECLARE_LISTEN, DECLARE_NETWORK, sandboxError } from './errors.js';
import {
  append,
  ArrayIsArray,
  NumberIsInteger,
  NumberToString,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ReflectApply,
} from './primordials.js';
import type { SocketPaths } from './socket-paths.js';

/*
 * The layer that holds. Every TCP, Unix-socket and UDP socket in this process, whoever made it, is a
 * libuv handle whose class prototype (TCPWrap, Pipe, UDP) carries the only functions that connect,
 * bind, listen and send to an address; every c-ares query goes through ChannelWrap's prototype. A
 * plugin reaches these prototypes from any socket (`socket._handle`, its constructor, the prototype
 * chain) but, under the permission model, not the bindings behind them (process.binding is denied),
 * so replacing the methods on the prototypes, non-writable and non-configurable, covers every way
 * in: net, tls, http, https, http2, undici's fetch, dgram, and raw handles the plugin builds itself
 * (`new (socket._handle.constructor)()`). The originals live only in these closures, and the
 * wrappers call them with `Reflect.apply` taken at load, so nothing the plugin can replace (such as
 * Function.prototype.apply) ever sees them. Each wrapper checks the canonical address and port it
 * parsed and passes exactly those on.
 */

export interface HandleContext {
  endpoints: Endpoints;
  sockets: SocketPaths;
  /** Names this process's own DNS bookkeeping resolved to the IP for this socket (see index.ts). */
  namesFor(owner: unknown, ipKey: string): readonly string[] | null;
  ownerSymbol: symbol;
}

export interface HandlePrototypes {
  tcp: object;
  pipe: object;
  udp: object;
  channel: object;
}

type Method = (this: object, ...args: unknown[]) => unknown;

/** Replaces `proto[name]` for good; the install fails (closed) when Node no longer has the method. */
function replace(proto: object, label: string, name: string, make: (original: Method) => Method): void {
  const descriptor = ObjectGetOwnPropertyDescriptor(proto, name);
  if (!descriptor || typeof descriptor.value !== 'function') {
    throw new Error(`installGuards: ${label}.prototype.${name} not found; this Node version is not supported by the guards`);
  }
  ObjectDefineProperty(proto, name, {
    value: make(descriptor.value as Method),
    writable: false,
    configurable: false,
    enumerable: descriptor.enumerable,
  });
}

function validPort(port: unknown): port is number {
  // The bindings take the port as a 32-bit value and libuv keeps its low 16 bits: 73536 would be
  // checked as itself and connect to 8000. Only a real 0..65535 passes.
  return typeof port === 'number' && NumberIsInteger(port) && port >= 0 && port <= 65535;
}

/** `into` followed by args[from..]: the checked leading arguments, then the rest as given. */
function rest(args: unknown[], from: number, into: unknown[]): unknown[] {
  for (let i = from; i < args.length; i++) append(into, args[i]);
  return into;
}

const badPort = (port: unknown) =>
  sandboxError(`port ${typeof port === 'number' ? NumberToString(port) : typeof port} is not a valid port`);

export function guardHandles(protos: HandlePrototypes, ctx: HandleContext): void {
  const { endpoints, sockets } = ctx;

  const checkedIp = (address: unknown, family: 4 | 6) => {
    const ip = parseIp(address);
    if (!ip || ip.family !== family) {
      throw sandboxError(
        `network access to ${typeof address === 'string' ? JSON.stringify(address) : typeof address} is not granted: not an IPv${family} address`,
      );
    }
    return ip;
  };
  const checkConnect = (handle: object, address: unknown, port: unknown, family: 4 | 6) => {
    const ip = checkedIp(address, family);
    if (!validPort(port)) throw badPort(port);
    const refusal = endpoints.connect(ip, port, ctx.namesFor((handle as Record<symbol, unknown>)[ctx.ownerSymbol], ip.key));
    if (refusal) throw sandboxError(refusal);
    return ip.wire;
  };
  const checkBindPort = (port: unknown, udp: boolean) => {
    if (!validPort(port)) throw badPort(port);
    if (port !== 0 && endpoints.isDeniedPort(port)) {
      throw sandboxError(
        `binding port ${NumberToString(port)} is not granted: it is the backend's or the store's own port, which no permission reaches`,
      );
    }
    // A UDP socket bound to a fixed port is a server; port 0 is what every UDP client binds.
    if (udp && port !== 0 && !endpoints.canListen)
      throw sandboxError(`listening on UDP port ${NumberToString(port)} is not granted ${DECLARE_LISTEN}`);
    return port;
  };

  const tcpConnect = (family: 4 | 6) => (original: Method) =>
    function connect(this: object, ...args: unknown[]) {
      const wire = checkConnect(this, args[1], args[2], family);
      return ReflectApply(original, this, rest(args, 3, [args[0], wire, args[2]]));
    };
  const bind = (family: 4 | 6, udp: boolean) => (original: Method) =>
    function bind(this: object, ...args: unknown[]) {
      const wire = checkedIp(args[0], family).wire;
      const port = checkBindPort(args[1], udp);
      return ReflectApply(original, this, rest(args, 2, [wire, port]));
    };
  replace(protos.tcp, 'TCP', 'connect', tcpConnect(4));
  replace(protos.tcp, 'TCP', 'connect6', tcpConnect(6));
  replace(protos.tcp, 'TCP', 'bind', bind(4, false));
  replace(protos.tcp, 'TCP', 'bind6', bind(6, false));
  replace(
    protos.tcp,
    'TCP',
    'listen',
    (original) =>
      function listen(this: object, ...args: unknown[]) {
        if (!endpoints.canListen) throw sandboxError(`listening on a TCP port is not granted ${DECLARE_LISTEN}`);
        return ReflectApply(original, this, args);
      },
  );

  // Pipe: connect(req, path, ...) and bind(path). listen is left alone: a pipe only listens on the
  // path its bind was checked for (or on an inherited descriptor such as stdio).
  const pipePath = (path: unknown) => {
    const verdict = sockets.check(path);
    if ('message' in verdict) throw sandboxError(verdict.message);
    return verdict.path;
  };
  replace(
    protos.pipe,
    'Pipe',
    'connect',
    (original) =>
      function connect(this: object, ...args: unknown[]) {
        return ReflectApply(original, this, rest(args, 2, [args[0], pipePath(args[1])]));
      },
  );
  replace(
    protos.pipe,
    'Pipe',
    'bind',
    (original) =>
      function bind(this: object, ...args: unknown[]) {
        return ReflectApply(original, this, rest(args, 1, [pipePath(args[0])]));
      },
  );

  // UDP: send(req, list, count, port, ip, hasCallback) names a destination; the 4-argument form
  // send(req, list, count, hasCallback) goes to the peer `connect` already checked (the binding
  // reads the destination only when there are exactly 6 arguments).
  const udpSend = (family: 4 | 6) => (original: Method) =>
    function send(this: object, ...args: unknown[]) {
      if (args.length === 4) return ReflectApply(original, this, [args[0], args[1], args[2], args[3]]);
      if (args.length !== 6) throw sandboxError('UDP send with an unexpected argument list is not granted');
      const wire = checkConnect(this, args[4], args[3], family);
      return ReflectApply(original, this, [args[0], args[1], args[2], args[3], wire, args[5]]);
    };
  const udpConnect = (family: 4 | 6) => (original: Method) =>
    function connect(this: object, ...args: unknown[]) {
      const wire = checkConnect(this, args[0], args[1], family);
      return ReflectApply(original, this, rest(args, 2, [wire, args[1]]));
    };
  replace(protos.udp, 'UDP', 'send', udpSend(4));
  replace(protos.udp, 'UDP', 'send6', udpSend(6));
  replace(protos.udp, 'UDP', 'connect', udpConnect(4));
  replace(protos.udp, 'UDP', 'connect6', udpConnect(6));
  replace(protos.udp, 'UDP', 'bind', bind(4, true));
  replace(protos.udp, 'UDP', 'bind6', bind(6, true));

  guardChannel(protos.channel, endpoints);
}

const QUERIES = [
  'queryAny',
  'queryA',
  'queryAaaa',
  'queryCaa',
  'queryCname',
  'queryMx',
  'queryNs',
  'queryTxt',
  'querySrv',
  'queryPtr',
  'queryNaptr',
  'querySoa',
  'getHostByAddr',
];

/** c-ares, behind every dns.Resolver and dns.resolve*: no query without network permission. */
function guardChannel(proto: object, endpoints: Endpoints): void {
  const refuse = (what: unknown) =>
    sandboxError(
      `DNS query for ${typeof what === 'string' ? what : 'a name'} is not granted: DNS needs a network permission ${DECLARE_NETWORK}`,
    );
  const optional = ['queryTlsa']; // Node 24 only
  for (let i = 0; i < QUERIES.length + optional.length; i++) {
    const name = i < QUERIES.length ? QUERIES[i]! : optional[i - QUERIES.length]!;
    if (i >= QUERIES.length && !ObjectGetOwnPropertyDescriptor(proto, name)) continue;
    replace(
      proto,
      'ChannelWrap',
      name,
      (original) =>
        function query(this: object, ...args: unknown[]) {
          if (!endpoints.hasNetwork) throw refuse(args[1]);
          return ReflectApply(original, this, args);
        },
    );
  }
  // setServers([[family, ip, port], ...]): c-ares then talks to those servers itself, outside every
  // handle above, so each server must be an endpoint the plugin may reach by IP (port 0 means 53).
  replace(
    proto,
    'ChannelWrap',
    'setServers',
    (original) =>
      function setServers(this: object, ...args: unknown[]) {
        const servers = args[0];
        if (!endpoints.hasNetwork) throw refuse('its servers');
        if (!ArrayIsArray(servers)) throw sandboxError('DNS servers must be a list');
        const copy: unknown[] = [];
        for (let i = 0; i < servers.length; i++) {
          const entry: unknown = servers[i];
          if (!ArrayIsArray(entry)) throw sandboxError('DNS servers must be a list of [family, ip, port]');
          const family: unknown = entry[0];
          const port: unknown = entry[2];
          const ip = parseIp(entry[1]);
          if ((family !== 4 && family !== 6) || !ip || ip.family !== family || !validPort(port))
            throw sandboxError('a DNS server is not an IP address and port');
          const refusal = endpoints.connect(ip, port === 0 ? 53 : port, null);
          if (refusal) throw sandboxError(`DNS server: ${refusal}`);
          append(copy, [family, ip.wire, port]);
        }
        return ReflectApply(original, this, rest(args, 1, [copy]));
      },
  );
}
