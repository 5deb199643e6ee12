import type { DevPluginStatus, PermissionSet, PluginSummary } from '@oko/shared';
import type { DevStateSnapshot } from './dev-streams.js';

/** What the backend knows of one development plugin between its first push and its removal (in memory only). */
export interface Session {
  /** Accepted pushes so far; a refused one leaves it. */
  generation: number;
  /** The version of the last accepted push (or of the refused first one). */
  version: string;
  leaseS: number;
  /** What the last accepted push declared, and so was granted. */
  granted?: PermissionSet;
  /** Why the last push was not applied; cleared by an accepted one. */
  refused?: NonNullable<DevPluginStatus['refused']> & { at: string };
  reloadMs?: number;
  /** Where the load failure of `reason` comes from, when the runtime could not say (syntax-check.ts). */
  failedAt?: { reason: string; at: string };
}

/**
 * The state clients see: the plugin manager's view of the plugin (`plugin`, undefined while no
 * push was ever good, then `error` with the refusal), its error completed by the place of a
 * syntax error when one was found.
 */
export function snapshotOf(session: Session, plugin: PluginSummary | undefined): DevStateSnapshot {
  const { generation } = session;
  if (!plugin) {
    const error = session.refused ? { reason: session.refused.message, at: session.refused.at } : undefined;
    return { state: 'error', generation, ...(error ? { error } : {}) };
  }
  const { error } = plugin;
  if (!error) return { state: plugin.state, generation };
  const at = session.failedAt?.reason === error.reason ? ` (at ${session.failedAt.at})` : '';
  return { state: plugin.state, generation, error: { ...error, reason: error.reason + at } };
}

/** What a push, a renewal or a GET answers. */
export function statusOf(name: string, session: Session, plugin: PluginSummary | undefined, leaseEnd: number): DevPluginStatus {
  const snapshot = snapshotOf(session, plugin);
  const status: DevPluginStatus = {
    name,
    version: plugin?.version ?? session.version,
    state: snapshot.state,
    generation: session.generation,
    lease_expires_at: new Date(leaseEnd).toISOString(),
  };
  if (snapshot.error) status.error = snapshot.error;
  if (session.refused) status.refused = { message: session.refused.message, issues: session.refused.issues };
  if (session.reloadMs !== undefined) status.reload_ms = session.reloadMs;
  return status;
}
