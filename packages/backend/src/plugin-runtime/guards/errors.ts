import { ErrorCtor, ObjectDefineProperty } from './primordials.js';

/** The `code` of every error a guard throws or emits: a permission the plugin was not granted. */
export const SANDBOX_ERROR_CODE = 'ERR_OKO_SANDBOX';

/** Where a plugin author declares the missing permission, said at the end of every refusal. */
export const DECLARE_NETWORK = '(declare it in manifest.json permissions.network)';
export const DECLARE_LISTEN = '(declare "listen": true in manifest.json permissions)';

/**
 * An Error with code `ERR_OKO_SANDBOX` whose message names what was refused, e.g. "network access to
 * 127.0.0.1:8000 is not granted (declare it in manifest.json permissions.network)". It reaches the
 * plugin as a throw, a socket/request 'error', a rejected promise or a callback error, whichever
 * the API it used reports failures by, so the plugin's log and its state show the reason.
 */
export function sandboxError(message: string): Error & { code: string } {
  const error = new ErrorCtor(message) as Error & { code: string };
  ObjectDefineProperty(error, 'code', { value: SANDBOX_ERROR_CODE, enumerable: true, writable: false, configurable: false });
  return error;
}
