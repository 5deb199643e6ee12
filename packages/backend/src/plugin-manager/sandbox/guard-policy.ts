import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { PluginPermissions } from '@oko/shared';
import type { GuardPolicy } from '../../plugin-runtime/guards/index.js';

export interface GuardPolicyInput {
  permissions: Required<PluginPermissions>;
  pluginDir: string;
  dataDir: string;
  /** The ports the backend listens on: never reachable from a plugin, on any address of this machine. */
  ownPorts: readonly number[];
  /** OKO_STORE_URL: the store's host and port are never reachable either. */
  storeUrl: string;
  /** Resolves the store's host name (tests pass their own). */
  lookup?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) => (await dnsLookup(host, { all: true })).map((entry) => entry.address);

/** What the guards in a plugin's process allow, from its grant (docs/architecture.md#sandbox). */
export async function buildGuardPolicy(input: GuardPolicyInput): Promise<GuardPolicy> {
  const denied: GuardPolicy['denied'] = input.ownPorts.map((port) => ({ address: 'local', port }));
  for (const endpoint of await storeEndpoints(input.storeUrl, input.lookup ?? resolveAll)) {
    if (!denied.some((known) => known.address === endpoint.address && known.port === endpoint.port)) denied.push(endpoint);
  }
  return {
    network: [...input.permissions.network],
    listen: input.permissions.listen,
    socketDirs: [input.pluginDir, input.dataDir],
    denied,
  };
}

/**
 * The store's addresses as resolved now. One of this machine's own (loopback included) becomes
 * `local`: a store listening on all interfaces is reachable on each of them, not only on the one
 * its URL names. A name that does not resolve here does not resolve for the plugin either.
 */
async function storeEndpoints(storeUrl: string, lookup: (host: string) => Promise<string[]>): Promise<GuardPolicy['denied']> {
  const url = new URL(storeUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await lookup(host).catch(() => [] as string[]);
  const local = localAddresses();
  const endpoints = addresses.map((address) => ({ address: local.has(address) || address.startsWith('127.') ? 'local' : address, port }));
  return endpoints.filter((endpoint, index) => endpoints.findIndex((other) => other.address === endpoint.address) === index);
}

function localAddresses(): Set<string> {
  const addresses = new Set(['0.0.0.0', '::']);
  for (const entries of Object.values(networkInterfaces())) for (const entry of entries ?? []) addresses.add(entry.address);
  for (const address of ['127.0.0.1', '::1']) addresses.add(address);
  return addresses;
}
