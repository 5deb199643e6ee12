import { describe, expect, it } from 'vitest';
import { PLUGIN_STATES } from '@oko/shared';
import { canTransition, nextState, refusalReason } from './state-machine.js';

describe('plugin state machine', () => {
  it('allows the seed lifecycle discovered -> loading -> active -> discovered', () => {
    expect(canTransition('discovered', 'load')).toBe(true);
    expect(nextState('load')).toBe('loading');
    expect(canTransition('loading', 'loaded')).toBe(true);
    expect(canTransition('active', 'unload')).toBe(true);
    expect(nextState('unload')).toBe('discovered');
  });

  it('refuses to load a disabled plugin and says to enable it', () => {
    expect(canTransition('disabled', 'load')).toBe(false);
    expect(refusalReason('p1', 'disabled', 'load')).toMatch(/disabled; enable it first/);
  });

  it('refuses to unload anything that is not active', () => {
    for (const state of PLUGIN_STATES.filter((s) => s !== 'active')) expect(canTransition(state, 'unload')).toBe(false);
  });

  it('never lets a user operation start while loading', () => {
    for (const op of ['load', 'unload', 'reload', 'enable', 'disable'] as const) expect(canTransition('loading', op)).toBe(false);
  });
});
