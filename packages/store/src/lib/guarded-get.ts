import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { assertPublicLiteral, publicOnlyLookup } from './address-guard.js';

export interface GuardedGetOptions {
  headers: Record<string, string>;
  /** Aborts the request and its body. */
  signal: AbortSignal;
  /** Also connect to loopback, private and link-local addresses. */
  allowPrivate: boolean;
}

const lookup = publicOnlyLookup();

/**
 * One GET without following redirects, over a connection of its own whose address was checked when
 * it was made: node:http rather than fetch, because only there can the connection use our lookup
 * without a second copy of undici. Resolves with the answer head; its body is the message stream.
 * Rejects with PrivateAddressError for a host that is or resolves to a non-public address.
 */
export function guardedGet(url: URL, options: GuardedGetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (!options.allowPrivate) assertPublicLiteral(url.hostname);
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(url, {
      headers: options.headers,
      signal: options.signal,
      agent: false,
      ...(options.allowPrivate ? {} : { lookup }),
    });
    request.once('response', resolve);
    // on, not once: an abort after the answer came must not become an uncaught error.
    request.on('error', reject);
  });
}
