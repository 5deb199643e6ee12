import type { PluginOperation, PluginState } from '@oko/shared';

/**
 * The plugin lifecycle, in one table. Operations are what users ask for; `loaded`, `failed` and
 * `crashed` are what the plugin host reports. Everything not listed here is illegal.
 */
export type Operation = PluginOperation;
export type HostEvent = 'loaded' | 'failed' | 'crashed';
export type Transition = Operation | HostEvent;

const TABLE: Record<Transition, { from: readonly PluginState[]; to: PluginState }> = {
  load: { from: ['discovered', 'error'], to: 'loading' },
  reload: { from: ['active', 'error'], to: 'loading' },
  unload: { from: ['active'], to: 'discovered' },
  enable: { from: ['disabled'], to: 'discovered' },
  disable: { from: ['discovered', 'error', 'active'], to: 'disabled' },
  loaded: { from: ['loading'], to: 'active' },
  failed: { from: ['loading'], to: 'error' },
  crashed: { from: ['active'], to: 'error' },
};

/** Why an operation is refused in a state, in words a user can act on. */
const REFUSALS: Partial<Record<PluginState, string>> = {
  loading: 'it is loading right now',
  disabled: 'it is disabled; enable it first',
};

export function canTransition(from: PluginState, transition: Transition): boolean {
  return TABLE[transition].from.includes(from);
}

export function nextState(transition: Transition): PluginState {
  return TABLE[transition].to;
}

/** The message of the 409 answered for an illegal transition. */
export function refusalReason(id: string, from: PluginState, operation: Transition): string {
  const allowed = TABLE[operation].from.join(' or ');
  const why = REFUSALS[from] ?? `it is ${from}`;
  return `Cannot ${operation} plugin '${id}': ${why} (${operation} is allowed from ${allowed})`;
}
