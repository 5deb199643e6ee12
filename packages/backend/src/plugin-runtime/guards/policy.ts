/**
 * What the guards inside a plugin's process allow, computed by the backend from the plugin's
 * granted permissions and sent to the process before plugin code loads
 * (docs/architecture.md#sandbox). Plain data: this folder imports nothing outside itself and node:.
 */
export interface GuardPolicy {
  /**
   * Granted `host:port` patterns (PluginPermissions.network): `api.github.com:443`,
   * `*.example.com:443`, `127.0.0.1:*`, `[::1]:8080`, `*:443`, `*`. Empty: no connection and no DNS at all.
   */
  network: string[];
  /** May listen on a TCP port or bind a UDP port (port 0, an ephemeral client port, needs nothing). */
  listen: boolean;
  /** Folders in which Unix sockets may be connected to or bound: the plugin's own folder and data folder. */
  socketDirs: string[];
  /**
   * Endpoints no declaration reaches: the backend's and the store's own ports. `address` is an IP
   * address, or `local` for any address of this machine (loopback, unspecified, its interfaces).
   */
  denied: Array<{ address: string; port: number }>;
  /**
   * More addresses that `local` covers besides loopback, unspecified and the interfaces found at
   * install time (e.g. a public address the host is reached by through NAT). Optional.
   */
  localAddresses?: string[];
}
