import type { PluginOperation, PluginState } from '@oko/shared';

/**
 * The plugin lifecycle, in one table. Operations are what users ask for; `loaded`, `failed` and
 * `crashed` are what the plugin host reports; `quarantined` is a crash too many (crash-policy.ts);
 * `filesInvalid` and `filesFixed` are what a scan finds in the plugin's folder;
 * `restoreInterrupted` is what a start finds when the backend died while loading the plugin again
 * after the previous restart. Everything not listed here is illegal.
 *
 * A plugin whose process died waits for its restart in `loading`. That is the only `loading` a
 * user operation can see (a load in progress holds the plugin's lock, and operations wait for
 * it), so operations from `loading` act on a waiting restart: they cancel it.
 */
export type Operation = PluginOperation;
export type HostEvent = 'loaded' | 'failed' | 'crashed' | 'quarantined' | 'restoreInterrupted';
/** Running code keeps the files it was loaded with, so a scan moves only plugins that are not running. */
export type FilesEvent = 'filesInvalid' | 'filesFixed';
export type Transition = Operation | HostEvent | FilesEvent;

const TABLE: Record<Transition, { from: readonly PluginState[]; to: PluginState }> = {
  load: { from: ['discovered', 'error', 'loading'], to: 'loading' },
  reload: { from: ['active', 'error', 'loading'], to: 'loading' },
  unload: { from: ['active', 'loading'], to: 'discovered' },
  // Then loaded again by the manager when it was running at Disable (persisted `active_before_disable`).
  enable: { from: ['disabled'], to: 'discovered' },
  disable: { from: ['discovered', 'error', 'active', 'loading'], to: 'disabled' },
  loaded: { from: ['loading'], to: 'active' },
  failed: { from: ['loading'], to: 'error' },
  // A running plugin died, or its restart failed (which counts as a death): it waits to restart.
  crashed: { from: ['active', 'loading'], to: 'loading' },
  // discovered: a start finds the quarantine in the state file, and keeps it.
  quarantined: { from: ['active', 'loading', 'discovered'], to: 'error' },
  restoreInterrupted: { from: ['discovered'], to: 'error' },
  // error -> error: the files changed but are still invalid, so the reason is read again.
  filesInvalid: { from: ['discovered', 'error'], to: 'error' },
  // Only an error that came from the files clears by fixing them; the caller checks that.
  filesFixed: { from: ['error'], to: 'discovered' },
};

/** Why an operation is refused in a state, in words a user can act on. */
const REFUSALS: Partial<Record<PluginState, string>> = {
  loading: 'it is loading right now',
  disabled: 'it is disabled; enable it first',
};

/** A folder found by a scan starts discovered, or disabled when the user disabled it before. */
export function initialState(disabledByUser: boolean): PluginState {
  return disabledByUser ? 'disabled' : 'discovered';
}

export function canTransition(from: PluginState, transition: Transition): boolean {
  return TABLE[transition].from.includes(from);
}

/**
 * The state `transition` leads to from `from`. Callers check canTransition first (and answer
 * ILLEGAL_TRANSITION to users), so a refusal here is a bug in the manager, not a user error.
 */
export function stateAfter(from: PluginState, transition: Transition): PluginState {
  if (!canTransition(from, transition)) throw new Error(`plugin state machine: no transition '${transition}' from '${from}'`);
  return TABLE[transition].to;
}

/** The message of the 409 answered for an illegal transition. */
export function refusalReason(id: string, from: PluginState, operation: Transition): string {
  const allowed = TABLE[operation].from.join(' or ');
  const why = REFUSALS[from] ?? `it is ${from}`;
  return `Cannot ${operation} plugin '${id}': ${why} (${operation} is allowed from ${allowed})`;
}
