import { isLoopbackListen } from '../auth/mode.js';

/**
 * Why development plugins are refused now, or null when they are allowed (README "Development
 * plugins"). A development plugin is code an admin runs without the store, a package, a signature
 * or a consent dialog, so it needs OKO_DEV_PLUGINS=true, or a developer's own machine: the
 * backend listening on loopback with sign-in off (auth/mode.ts decides both, as for sign-in).
 * `setting` is OKO_DEV_PLUGINS; `signInOn` is asked per request, since creating an admin turns
 * sign-in on without a restart.
 */
export function devPluginsRefusal(setting: boolean | undefined, listenHost: string, signInOn: boolean): string | null {
  if (setting === true) return null;
  if (setting === false) return 'Development plugins are off on this backend (OKO_DEV_PLUGINS=false)';
  const loopback = isLoopbackListen(listenHost);
  if (loopback && !signInOn) return null;
  const why = loopback ? 'sign-in is on' : `the backend listens on ${listenHost}, not loopback`;
  return (
    `Development plugins are allowed with OKO_DEV_PLUGINS=true, or when the backend listens on loopback with sign-in off; ` +
    `here ${why}. Set OKO_DEV_PLUGINS=true on the backend to allow them (admins only)`
  );
}
