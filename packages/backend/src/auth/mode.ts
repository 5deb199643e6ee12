import { isLoopbackAddress } from '../store-integration/local-caller.js';
import type { AuthSetting } from './config.js';

export interface AuthMode {
  /** Whether requests need a signed-in account (or an API token). */
  on: boolean;
  /** Sign-in is needed and no admin exists: only the setup is served. */
  setupRequired: boolean;
  /** Why sign-in is off, or the loud warning when it is off off loopback. */
  notice?: string;
  /** Off while reachable from other machines (OKO_AUTH=off off loopback): the notice is a warning. */
  unsafe?: boolean;
}

/** True when OKO_HOST is reachable only from this machine. */
export function isLoopbackListen(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || isLoopbackAddress(bare);
}

/**
 * OKO_AUTH's decision (README "Sign-in"). auto: a developer's own machine (loopback, no account)
 * keeps the seed's curl examples working; anything reachable from elsewhere, or any dashboard that
 * has an admin, asks for sign-in.
 */
export function decideAuthMode(setting: AuthSetting, listenHost: string, hasAdmin: boolean): AuthMode {
  const loopback = isLoopbackListen(listenHost);
  if (setting === 'off') {
    if (loopback)
      return { on: false, setupRequired: false, notice: 'Sign-in is off (OKO_AUTH=off): everyone who reaches the dashboard is admin.' };
    return {
      on: false,
      setupRequired: false,
      unsafe: true,
      notice:
        `WARNING: sign-in is off (OKO_AUTH=off) while the backend listens on ${listenHost}, not loopback: anyone who ` +
        'reaches it can install and run code on this machine. Set OKO_AUTH=auto or on.',
    };
  }
  if (setting === 'auto' && loopback && !hasAdmin)
    return {
      on: false,
      setupRequired: false,
      notice:
        'Sign-in is off: the backend listens on loopback only and no account exists (OKO_AUTH=auto). ' +
        'Creating an admin account turns it on.',
    };
  return { on: true, setupRequired: !hasAdmin };
}
