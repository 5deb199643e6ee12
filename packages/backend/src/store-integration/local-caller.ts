import { isIP } from 'node:net';
import { createError } from '@oko/shared';

/**
 * True for an address of this machine's loopback interface: 127.0.0.0/8, ::1, and 127.x written
 * as an IPv4-mapped IPv6 address (what a dual-stack socket reports).
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(address) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(address.toLowerCase());
}

/**
 * The uploads the backend forwards carry its OKO_STORE_API_KEY. A signed-in admin may lend it from
 * anywhere (the access hook already refused everyone else). With sign-in off nobody is known, so
 * only a caller on this machine may borrow it: anyone else could otherwise upload through the
 * backend what the store refuses to them directly. `request.ip` is the socket's peer (the app does
 * not trust X-Forwarded-For), so a header cannot fake it.
 */
export function assertLocalCaller(
  request: { ip: string; url: string; authOn?: boolean; identity?: { user: string | null; role: string } | null },
  storeUrl: string,
): void {
  if (request.authOn && request.identity?.role === 'admin') return;
  if (isLoopbackAddress(request.ip)) return;
  throw createError(
    'UPLOAD_LOCAL_ONLY',
    `With sign-in off, the backend forwards uploads with its store API key only for callers on its own machine (loopback), and ` +
      `this request comes from ${request.ip}. Turn sign-in on (OKO_AUTH) and upload as an admin, or upload to the store ` +
      `directly with its API key (${storeUrl})`,
  );
}
