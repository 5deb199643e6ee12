import asyncHooks from 'node:async_hooks';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import v8 from 'node:v8';
import { guardDgram } from './dgram-entry.js';
import { guardDns } from './dns-entry.js';
import { compileEndpoints } from './endpoints.js';
import type { EntryContext } from './entry-context.js';
import { sealedLookup } from './genuine-lookup.js';
import { guardHandles, type HandlePrototypes } from './handles.js';
import { guardNet } from './net-entry.js';
import type { GuardPolicy } from './policy.js';
import {
  append,
  MapCtor,
  MapGet,
  MapSet,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertySymbols,
  ObjectGetPrototypeOf,
  SymbolDescription,
  WeakMapCtor,
  WeakMapGet,
  WeakMapSet,
} from './primordials.js';
import { guardProcess } from './process-guards.js';
import { compileSocketPaths } from './socket-paths.js';

export type { GuardPolicy } from './policy.js';
export { SANDBOX_ERROR_CODE } from './errors.js';

/** Set on `process` (non-configurable) by the first install; any later install refuses. */
const INSTALLED = Symbol.for('oko.sandbox.guards');

type AnyRecord = Record<string | symbol, unknown>;

function symbolNamed(target: object, description: string): symbol {
  const symbols = ObjectGetOwnPropertySymbols(target);
  for (let i = 0; i < symbols.length; i++) if (SymbolDescription(symbols[i]!) === description) return symbols[i]!;
  throw new Error(`installGuards: ${description} not found; this Node version is not supported by the guards`);
}

/**
 * The handle prototypes, from handles made here: a socket whose lookup never answers owns a fresh
 * TCP handle and has done no I/O; a socket connecting to a path that does not exist owns a Pipe
 * (the connect fails, unseen, as it is destroyed at once); a dgram socket owns a UDP handle; a
 * Resolver a ChannelWrap. (`tls` would give both without a syscall, but loading it costs more than
 * the rest of the guards together.)
 */
function findPrototypes(): { protos: HandlePrototypes; ownerSymbol: symbol } {
  const handleOf = (options: net.NetConnectOpts) => {
    const socket = new net.Socket();
    socket.on('error', () => {});
    socket.connect(options);
    const handle = (socket as unknown as { _handle: object | null })._handle;
    socket.destroy();
    if (!handle) throw new Error('installGuards: a socket has no handle; this Node version is not supported by the guards');
    return handle;
  };
  const tcp = handleOf({ port: 9, host: 'oko-guards-probe.invalid', lookup: () => {} });
  const pipe = handleOf({ path: '/nonexistent-oko-guards-probe/socket' });
  const udpSocket = dgram.createSocket('udp4');
  const state = (udpSocket as unknown as AnyRecord)[symbolNamed(udpSocket, 'state symbol')] as { handle: object };
  const channel = (new dns.Resolver() as unknown as { _handle: object })._handle;
  const protos = {
    tcp: ObjectGetPrototypeOf(tcp),
    pipe: ObjectGetPrototypeOf(pipe),
    udp: ObjectGetPrototypeOf(state.handle),
    channel: ObjectGetPrototypeOf(channel),
  };
  udpSocket.close();
  return { protos, ownerSymbol: symbolNamed(tcp, 'owner_symbol') };
}

function interfaceAddresses(): string[] {
  const found: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) for (const entry of list ?? []) found.push(entry.address);
  return found;
}

/**
 * Installs the network, listen, DNS, Unix-socket and process.kill guards in this process. Call it
 * once, before any plugin code loads, with the policy the backend computed from the plugin's grant;
 * if it throws, exit without loading plugin code (an invalid policy throws before anything changes;
 * a Node version the guards do not know may leave them half installed). A refusal reaches the
 * plugin as an Error with `code: 'ERR_OKO_SANDBOX'` naming the permission it lacks. Why the guards
 * hold against plugin code in the same process: handles.ts; the rest of the design:
 * docs/architecture.md#guards.
 */
export function installGuards(policy: GuardPolicy): void {
  // A second copy of this module (imported by plugin code under another URL) must not install a
  // wider policy over this one; the marker cannot be removed.
  if (ObjectGetOwnPropertyDescriptor(process, INSTALLED))
    throw new Error('installGuards: the guards are already installed in this process');
  // A policy that does not parse throws here, before anything is changed.
  const endpoints = compileEndpoints(policy, interfaceAddresses());
  const sockets = compileSocketPaths(policy.socketDirs, { realpath: fs.realpathSync.native, byteLength: Buffer.byteLength });
  ObjectDefineProperty(process, INSTALLED, { value: true, writable: false, configurable: false, enumerable: false });

  // DNS bookkeeping: for each socket object, the names the guards themselves resolved to each IP.
  // Only the guards' own lookups write here, so a name the plugin claims (socket._host, its own
  // `lookup` option, an IP literal) never makes a host-name pattern match; the handle layer finds
  // a handle's socket through Node's owner symbol.
  const approvals = new WeakMapCtor<object, Map<string, string[]>>();
  const approve = (owner: object, ipKey: string, name: string) => {
    let byIp = WeakMapGet(approvals, owner) as Map<string, string[]> | undefined;
    if (!byIp) WeakMapSet(approvals, owner, (byIp = new MapCtor()));
    const names = (MapGet(byIp, ipKey) as string[] | undefined) ?? [];
    for (let i = 0; i < names.length; i++) if (names[i] === name) return;
    append(names, name);
    MapSet(byIp, ipKey, names);
  };
  const namesFor = (owner: unknown, ipKey: string) => {
    if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) return null;
    const byIp = WeakMapGet(approvals, owner as object) as Map<string, string[]> | undefined;
    return byIp ? ((MapGet(byIp, ipKey) as string[] | undefined) ?? null) : null;
  };

  const { protos, ownerSymbol } = findPrototypes();
  guardHandles(protos, { endpoints, sockets, namesFor, ownerSymbol });
  guardProcess(os, v8);

  const ctx: EntryContext = {
    endpoints,
    sockets,
    genuineLookup: sealedLookup(dns.lookup as EntryContext['genuineLookup'], asyncHooks, process.nextTick, endpoints.hasNamePatterns),
    approve,
    namesFor,
    cwd: process.cwd,
    nextTick: process.nextTick,
  };
  guardDns(dns, ctx);
  guardNet(net, ctx);
  guardDgram(dgram, ctx);
  // `import { connect } from 'node:net'` reads the ESM copies of the exports: bring them up to date.
  syncBuiltinESMExports();
}
