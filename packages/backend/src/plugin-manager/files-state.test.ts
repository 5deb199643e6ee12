import type { PluginState, ValidationIssue } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { applyFilesState } from './files-state.js';
import type { PluginRecord } from './record.js';

const broken: ValidationIssue[] = [{ file: 'manifest.json', path: 'version', message: 'not a semver version' }];

function record(state: PluginState, issues: ValidationIssue[], error?: PluginRecord['error']): PluginRecord {
  const manifest = issues.length > 0 ? null : { name: 'p1', version: '1.0.0', description: 'd', author: 'a' };
  return {
    scan: { id: 'p1', dir: '/plugins/p1', scope: 'external', manifest, ui: {}, issues } as PluginRecord['scan'],
    state,
    ...(error ? { error } : {}),
  };
}

describe('files state', () => {
  it('puts a discovered plugin with invalid files in error, with the issues as the reason', () => {
    const plugin = record('discovered', broken);
    applyFilesState(plugin);
    expect(plugin.state).toBe('error');
    expect(plugin.error).toMatchObject({ reason: 'manifest.json: version: not a semver version', fromManifest: true });
  });

  it('keeps the time the files first went wrong while they stay wrong', () => {
    const plugin = record('error', broken, { reason: 'old', at: '2020-01-01T00:00:00.000Z', fromManifest: true });
    applyFilesState(plugin);
    expect(plugin.error).toMatchObject({ reason: 'manifest.json: version: not a semver version', at: '2020-01-01T00:00:00.000Z' });
  });

  it('takes a plugin back to discovered once the files that put it in error are fixed', () => {
    const plugin = record('error', [], { reason: 'old', at: '2020-01-01T00:00:00.000Z', fromManifest: true });
    applyFilesState(plugin);
    expect(plugin.state).toBe('discovered');
    expect(plugin.error).toBeUndefined();
  });

  it('leaves a crash in error when the files are fine', () => {
    const crash = { reason: 'ran out of memory', at: '2020-01-01T00:00:00.000Z', fromManifest: false };
    const plugin = record('error', [], crash);
    applyFilesState(plugin);
    expect(plugin.state).toBe('error');
    expect(plugin.error).toEqual(crash);
  });

  it('leaves disabled, loading and active plugins as they are whatever their files say', () => {
    for (const state of ['disabled', 'loading', 'active'] as const) {
      const plugin = record(state, broken);
      applyFilesState(plugin);
      expect(plugin.state).toBe(state);
      expect(plugin.error).toBeUndefined();
    }
  });
});
