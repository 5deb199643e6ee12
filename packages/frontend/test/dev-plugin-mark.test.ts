import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { InstalledPlugin } from '../src/api/types.js';
import InstalledPluginCard from '../src/components/plugin/InstalledPluginCard.vue';
import PluginRuntimeHeader from '../src/components/plugin/PluginRuntimeHeader.vue';

function plugin(scope: InstalledPlugin['scope']): InstalledPlugin {
  return {
    id: 'weather_probe',
    name: 'weather_probe',
    version: '0.1.0',
    description: 'Being written',
    state: 'active',
    scope,
    ui: { has_page: false, show_in_menu: false, api_prefix: 'weather-probe', widgets: 0 },
  };
}
const card = (p: InstalledPlugin) => mount(InstalledPluginCard, { props: { plugin: p }, global: { stubs: { RouterLink: true } } });

describe('a development plugin (oko-plugin dev)', () => {
  it('is marked "Development" on its card and in the details header, and offers no Uninstall', () => {
    const wrapper = card(plugin('dev'));
    expect(wrapper.find('[data-testid="scope-dev"]').text()).toBe('Development');
    expect(wrapper.find('[data-action="uninstall"]').exists()).toBe(false);
    expect(
      mount(PluginRuntimeHeader, { props: { plugin: plugin('dev') } })
        .find('[data-testid="plugin-scope"]')
        .text(),
    ).toBe('Development');
  });

  it('leaves an installed plugin unmarked, with its Uninstall', () => {
    const wrapper = card(plugin('external'));
    expect(wrapper.find('[data-testid="scope-dev"]').exists()).toBe(false);
    expect(wrapper.find('[data-action="uninstall"]').exists()).toBe(true);
  });
});
