import { describe, expect, it } from 'vitest';
import type { InstalledPlugin } from '../api/types.js';
import { attentionReason, displayNameOf, stateWords } from './plugin-words.js';

const plugin: InstalledPlugin = {
  id: 'lan_watch',
  name: 'lan_watch',
  version: '1.0.0',
  description: '',
  state: 'active',
  scope: 'external',
  ui: { has_page: true, show_in_menu: false, api_prefix: 'lan-watch', widgets: 0, page_title: 'LAN watch' },
};

describe('plugin words', () => {
  it('says each state in plain words, and an unknown one as it came', () => {
    expect(['discovered', 'loading', 'active', 'error', 'disabled', 'sleeping'].map(stateWords)).toEqual([
      'Installed, not running',
      'Starting',
      'Running',
      'In error',
      'Disabled',
      'sleeping',
    ]);
  });

  it("names a plugin by the backend's display_name, else the shared rule", () => {
    expect(displayNameOf({ ...plugin, display_name: 'LAN watcher' })).toBe('LAN watcher');
    expect(displayNameOf(plugin)).toBe('LAN watch');
    expect(displayNameOf({ ...plugin, ui: { ...plugin.ui, page_title: undefined } })).toBe('lan_watch');
    expect(displayNameOf({ ...plugin, display_name: '  ', manifest: { display_name: 'From manifest' } } as InstalledPlugin)).toBe(
      'From manifest',
    );
  });

  it('marks what needs attention: error, waiting restart, modified or invalid signature, pending approval, rollback', () => {
    expect(attentionReason(plugin)).toBeNull();
    expect(attentionReason({ ...plugin, state: 'discovered' })).toBeNull();
    expect(attentionReason({ ...plugin, state: 'error', error: { reason: 'boom', at: '' } })).toBe('The plugin is in error');
    expect(attentionReason({ ...plugin, state: 'loading', status_reason: 'restart 1 of 3' })).toBe('restarting: restart 1 of 3');
    expect(attentionReason({ ...plugin, signature: { state: 'modified', reason: 'index.js' } })).toContain('changed');
    expect(attentionReason({ ...plugin, signature: { state: 'invalid' } })).toContain('invalid');
    expect(attentionReason({ ...plugin, signature: { state: 'unsigned' } })).toBeNull();
    const versions = { pinned: false, pending_update: {} } as unknown as InstalledPlugin['versions'];
    expect(attentionReason({ ...plugin, versions })).toBe('An update waits for approval');
  });
});
