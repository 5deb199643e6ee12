import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { InstalledPlugin } from '../src/api/types.js';
import InstalledPluginCard from '../src/components/plugin/InstalledPluginCard.vue';
import PluginRuntimeHeader from '../src/components/plugin/PluginRuntimeHeader.vue';
import cardSource from '../src/components/plugin/InstalledPluginCard.vue?raw';

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
    // Readable: the shared accent chip, never --accent-text (the white meant for the solid accent)
    // on the soft accent, which left the word all but invisible.
    expect(wrapper.find('[data-testid="scope-dev"]').classes()).toContain('chip-accent');
    expect(cardSource.match(/\.scope\.dev-mark \{[^}]*\}/)?.[0]).not.toContain('--accent-text');
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

describe('the details page of a development plugin', () => {
  it('offers no rating: it is not in the store (its reviews answer 404, "See it in the store" leads nowhere)', async () => {
    const { default: PluginDetailsPage } = await import('../src/pages/PluginDetailsPage.vue');
    const { createMemoryHistory, createRouter } = await import('vue-router');
    const { json, stubFetch } = await import('./fetch-stub.js');
    const { flushPromises } = await import('@vue/test-utils');
    const NONE = { network: [], listen: false, env: [], read: [] };
    const details = (scope: InstalledPlugin['scope']) => ({
      ...plugin(scope),
      state: 'discovered',
      manifest: { name: 'weather_probe', version: '0.1.0' },
      issues: [],
      routes: [],
      actions: [],
      subscriptions: [],
      dependencies: {},
      dependents: [],
      permissions: { declared: NONE, granted: NONE, recorded: true },
    });
    for (const [scope, rated] of [
      ['dev', false],
      ['external', true],
    ] as const) {
      const { calls } = stubFetch({ '/api/v1/plugins/weather_probe': () => json(details(scope)) });
      const router = createRouter({
        history: createMemoryHistory(),
        routes: [
          { path: '/plugins/:pluginId', component: PluginDetailsPage, props: true },
          { path: '/:any(.*)*', component: { template: '<p />' } },
        ],
      });
      await router.push('/plugins/weather_probe');
      const page = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
      await flushPromises();
      expect(page.find('[data-action="rate-plugin"]').exists(), scope).toBe(rated);
      expect(
        calls.some((path) => path.includes('/reviews')),
        scope,
      ).toBe(rated);
      page.unmount();
    }
  });
});

describe('the details header of a development plugin', () => {
  it('does not lecture its author that an unsigned plugin shows nobody who made it; an installed one still says so', () => {
    const header = (scope: InstalledPlugin['scope']) =>
      mount(PluginRuntimeHeader, { props: { plugin: { ...plugin(scope), signature: { state: 'unsigned' as const } } } });
    expect(header('dev').find('[data-testid="signature-note"]').exists()).toBe(false);
    expect(header('dev').find('[data-testid="signature-badge"]').text()).toContain('Unsigned');
    expect(header('external').find('[data-testid="signature-note"]').exists()).toBe(true);
  });
});
