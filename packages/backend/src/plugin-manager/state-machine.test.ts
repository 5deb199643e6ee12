import { describe, expect, it } from 'vitest';
import { PLUGIN_STATES } from '@oko/shared';
import { canTransition, initialState, refusalReason, stateAfter } from './state-machine.js';

describe('plugin state machine', () => {
  it('allows the basic lifecycle discovered -> loading -> active -> discovered', () => {
    expect(stateAfter('discovered', 'load')).toBe('loading');
    expect(stateAfter('loading', 'loaded')).toBe('active');
    expect(stateAfter('active', 'unload')).toBe('discovered');
  });

  it('refuses to load a disabled plugin and says to enable it', () => {
    expect(canTransition('disabled', 'load')).toBe(false);
    expect(refusalReason('p1', 'disabled', 'load')).toMatch(/disabled; enable it first/);
  });

  it('refuses to unload anything that is not running or waiting to restart', () => {
    for (const state of PLUGIN_STATES.filter((s) => s !== 'active' && s !== 'loading')) expect(canTransition(state, 'unload')).toBe(false);
  });

  it('lets a user load, reload, unload or disable a plugin waiting in loading to restart, but not enable it', () => {
    expect(stateAfter('loading', 'load')).toBe('loading');
    expect(stateAfter('loading', 'reload')).toBe('loading');
    expect(stateAfter('loading', 'unload')).toBe('discovered');
    expect(stateAfter('loading', 'disable')).toBe('disabled');
    expect(canTransition('loading', 'enable')).toBe(false);
  });

  it('reloads an active or failed plugin through loading', () => {
    expect(stateAfter('active', 'reload')).toBe('loading');
    expect(stateAfter('error', 'reload')).toBe('loading');
    expect(canTransition('discovered', 'reload')).toBe(false);
  });

  it('puts a loading plugin in error when it fails, and a running one whose host died back in loading to restart', () => {
    expect(stateAfter('loading', 'failed')).toBe('error');
    expect(stateAfter('active', 'crashed')).toBe('loading');
    // a restart that fails is a death too
    expect(stateAfter('loading', 'crashed')).toBe('loading');
    for (const state of ['discovered', 'error', 'disabled'] as const) expect(canTransition(state, 'crashed')).toBe(false);
  });

  it('quarantines a plugin that died too often, running or restarting, and keeps it so across a restart of the backend', () => {
    expect(stateAfter('active', 'quarantined')).toBe('error');
    expect(stateAfter('loading', 'quarantined')).toBe('error');
    expect(stateAfter('discovered', 'quarantined')).toBe('error');
    expect(canTransition('disabled', 'quarantined')).toBe(false);
  });

  it('puts a plugin whose restore the backend did not survive in error, unless the user disabled it', () => {
    expect(stateAfter('discovered', 'restoreInterrupted')).toBe('error');
    expect(canTransition('disabled', 'restoreInterrupted')).toBe(false);
  });

  it('moves a plugin that is not running to error when its files turn invalid, and keeps it there while they stay so', () => {
    expect(stateAfter('discovered', 'filesInvalid')).toBe('error');
    expect(stateAfter('error', 'filesInvalid')).toBe('error');
  });

  it('leaves running, loading and disabled plugins alone when their files change', () => {
    for (const state of ['active', 'loading', 'disabled'] as const) {
      expect(canTransition(state, 'filesInvalid')).toBe(false);
      expect(canTransition(state, 'filesFixed')).toBe(false);
    }
  });

  it('takes a plugin in error back to discovered when its files are fixed', () => {
    expect(stateAfter('error', 'filesFixed')).toBe('discovered');
    expect(canTransition('discovered', 'filesFixed')).toBe(false);
  });

  it('starts a found folder as discovered, or disabled when the user disabled it before', () => {
    expect(initialState(false)).toBe('discovered');
    expect(initialState(true)).toBe('disabled');
  });

  it('throws on a transition the table does not allow, naming it', () => {
    expect(() => stateAfter('disabled', 'load')).toThrow(/no transition 'load' from 'disabled'/);
  });
});
