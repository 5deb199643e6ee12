import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { InstalledPlugin } from '../src/api/types.js';
import InstalledPluginCard from '../src/components/plugin/InstalledPluginCard.vue';
import PluginRuntimeHeader from '../src/components/plugin/PluginRuntimeHeader.vue';
import { stateReason } from '../src/lib/plugin-facts.js';

function plugin(extra: Partial<InstalledPlugin>): InstalledPlugin {
  return {
    id: 'crashy',
    name: 'crashy',
    version: '1.0.0',
    description: 'Dies now and then',
    state: 'active',
    scope: 'external',
    ui: { has_page: false, show_in_menu: false, api_prefix: 'crashy', widgets: 0 },
    ...extra,
  };
}

const restarting = plugin({ state: 'loading', status_reason: 'restart 2 of 3' });
const quarantined = plugin({
  state: 'error',
  error: { reason: 'quarantined after 3 crashes in 10 min; last crash: host exited with code 1', at: '2026-01-01T00:00:00Z' },
});
const card = (p: InstalledPlugin) => mount(InstalledPluginCard, { props: { plugin: p }, global: { stubs: { RouterLink: true } } });

describe('why a plugin is in its state', () => {
  it('says which restart a plugin waiting after a crash is at, and the reason of an error', () => {
    expect(stateReason(restarting)).toBe('restarting: restart 2 of 3');
    expect(stateReason(quarantined)).toMatch(/^quarantined after 3 crashes in 10 min/);
    // a loading plugin with no reason is a load in progress: nothing to say
    expect(stateReason(plugin({ state: 'loading' }))).toBeNull();
    expect(stateReason(plugin({ state: 'active' }))).toBeNull();
  });

  it('shows the restart on the card and in the details header, with the buttons that cancel it', () => {
    const wrapper = card(restarting);
    expect(wrapper.find('[data-testid="plugin-status-reason"]').text()).toBe('restarting: restart 2 of 3');
    expect(wrapper.find('[data-testid="plugin-error-reason"]').exists()).toBe(false);
    expect(wrapper.find('[data-state="loading"]').attributes('title')).toBe('restarting: restart 2 of 3');
    expect(wrapper.findAll('[data-action]').map((b) => b.attributes('data-action'))).toEqual(['load', 'unload', 'disable', 'uninstall']);

    const header = mount(PluginRuntimeHeader, { props: { plugin: restarting } });
    expect(header.find('[data-testid="plugin-status-reason"]').text()).toBe('restarting: restart 2 of 3');
  });

  it('shows a quarantine as the error it is, with the last crash, and offers a load', () => {
    const wrapper = card(quarantined);
    expect(wrapper.find('[data-testid="plugin-error-reason"]').text()).toContain(
      'quarantined after 3 crashes in 10 min; last crash: host exited with code 1',
    );
    expect(wrapper.find('[data-testid="plugin-status-reason"]').exists()).toBe(false);
    expect(wrapper.find('[data-action="load"]').exists()).toBe(true);
  });
});
