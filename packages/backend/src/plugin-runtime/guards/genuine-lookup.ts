import { sandboxError } from './errors.js';
import {
  append,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ReflectApply,
  WeakMapCtor,
  WeakMapGet,
  WeakMapSet,
} from './primordials.js';

/*
 * The lookup whose answers host-name patterns trust. dns.lookup answers through a request object
 * (GetAddrInfoReqWrap) holding the callback; plugin code that got hold of that object could call
 * the callback itself with an address of its choosing before the real answer arrives, and a
 * declared `api.example.com:443` would then reach any address on port 443. The request object is
 * reachable only through process._getActiveRequests(), async_hooks.createHook's init callback and,
 * on Node 20, AsyncLocalStorage (which hands every new async resource to an instance's
 * `_propagate` and assigns to it through a key plugin code can intercept); under the permission
 * model there is no inspector and no binding. So our requests are left out of the first,
 * createHook is not available to plugins, and neither is AsyncLocalStorage on Node 20 when a
 * host-name pattern is granted (Node 24's AsyncLocalStorage does not touch resources). The callback
 * accepts one answer, only after dns.lookup has returned (one during the call is not the resolver's).
 */

export type Lookup = (hostname: string, options: object, callback: (...args: unknown[]) => void) => unknown;

export function sealedLookup(original: Lookup, asyncHooks: object, nextTick: (fn: () => void) => void, closeStorage: boolean): Lookup {
  const ours = new WeakMapCtor<object, true>();
  const descriptor = ObjectGetOwnPropertyDescriptor(process, '_getActiveRequests');
  const activeRequests = descriptor?.value as ((this: NodeJS.Process) => object[]) | undefined;
  if (typeof activeRequests !== 'function')
    throw new Error('installGuards: process._getActiveRequests not found; this Node version is not supported');
  ObjectDefineProperty(process, '_getActiveRequests', {
    value: function _getActiveRequests() {
      const all = ReflectApply(activeRequests, process, []);
      const visible: object[] = [];
      for (let i = 0; i < all.length; i++) if (WeakMapGet(ours, all[i]!) !== true) append(visible, all[i]!);
      return visible;
    },
    writable: false,
    configurable: false,
    enumerable: descriptor!.enumerable,
  });
  ObjectDefineProperty(asyncHooks, 'createHook', {
    value: function createHook() {
      throw sandboxError("async_hooks.createHook is not available to plugins: its init callback exposes other code's requests");
    },
    writable: false,
    configurable: false,
    enumerable: true,
  });

  const storage = (asyncHooks as { AsyncLocalStorage?: { prototype: Record<string, unknown> } }).AsyncLocalStorage;
  if (closeStorage && storage && typeof storage.prototype._propagate === 'function') {
    // run() and enterWith() call this._enable(); an instance's own _enable registers nothing
    ObjectDefineProperty(storage.prototype, '_enable', {
      value: function _enable() {
        throw sandboxError(
          'AsyncLocalStorage is not available on Node 20 to plugins with a host-name network permission: it exposes the requests DNS answers come back on (declare IP addresses, or run on Node 24)',
        );
      },
      writable: false,
      configurable: false,
      enumerable: false,
    });
  }

  return function genuineLookup(hostname, options, callback) {
    let state: 'calling' | 'waiting' | 'answered' = 'calling';
    const answer = function (...args: unknown[]) {
      if (state !== 'waiting') return;
      state = 'answered';
      ReflectApply(callback, undefined, args);
    };
    ReflectApply(original, undefined, [hostname, options, answer]);
    const requests = ReflectApply(activeRequests, process, []);
    for (let i = 0; i < requests.length; i++) {
      const held = ObjectGetOwnPropertyDescriptor(requests[i]!, 'callback');
      if (held && held.value === answer) {
        WeakMapSet(ours, requests[i]!, true);
        state = 'waiting';
      }
    }
    if (state === 'calling') {
      // no request in flight: dns.lookup answered (or failed) without asking the resolver
      state = 'answered';
      nextTick(() => callback(sandboxError(`DNS lookup of ${String(hostname)} failed before reaching the resolver`)));
    }
    return {};
  };
}
