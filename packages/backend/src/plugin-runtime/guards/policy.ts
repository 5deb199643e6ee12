/**
 * What the guards inside a plugin's process allow, computed by the backend from the plugin's
 * granted permissions and sent to the process before plugin code loads
 * (docs/architecture.md#sandbox). Plain data: this folder imports nothing outside itself and node:.
 */
export interface GuardPolicy {
  /** Granted `host:port` patterns (PluginPermissions.network). Empty: no connection and no DNS at all. */
  network: string[];
  /** May listen on a TCP or UDP port. */
  listen: boolean;
  /** Folders in which Unix sockets may be connected to or bound: the plugin's own folder and data folder. */
  socketDirs: string[];
  /**
   * Endpoints no declaration reaches: the backend's and the store's own ports. `address` is an IP
   * address, or `local` for any address of this machine (loopback, unspecified, its interfaces).
   */
  denied: Array<{ address: string; port: number }>;
}
