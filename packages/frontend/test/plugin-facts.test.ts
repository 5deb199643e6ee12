import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { PluginDetails } from '../src/api/types.js';
import PluginFacts from '../src/components/plugin/PluginFacts.vue';

function details(extra: Partial<PluginDetails>): PluginDetails {
  return {
    id: 'static_page',
    name: 'static_page',
    version: '1.0.0',
    description: 'Its page is static/index.html',
    state: 'discovered',
    scope: 'external',
    ui: { has_page: true, show_in_menu: false, api_prefix: 'static-page', widgets: 0 },
    manifest: { name: 'static_page', version: '1.0.0' },
    ui_config: { has_page: true },
    issues: [],
    routes: [],
    actions: [],
    has_page_handler: false,
    page_available: false,
    subscriptions: [],
    ...extra,
  } as PluginDetails;
}

const ownPage = (props: PluginDetails) => mount(PluginFacts, { props: { details: props } }).find('[data-testid="plugin-own-page"]');

describe('PluginFacts: link to the plugin’s own page', () => {
  it('links a static/index.html page (no ctx.page handler) when the backend says it is available', () => {
    const link = ownPage(details({ page_available: true }));
    expect(link.exists()).toBe(true);
    // The page is shown on the details screen in a sandboxed frame; the link goes there.
    expect(link.attributes('href')).toBe('#plugin-own-page');
    // The page is drawn above these facts (PluginDetailsPage): the arrow points up to it.
    expect(link.text()).toBe("Go to the plugin's own page ↑");
  });

  it('shows no link when no page is available, even for an active plugin', () => {
    expect(ownPage(details({ state: 'active', page_available: false })).exists()).toBe(false);
  });

  it('links a running ctx.page handler', () => {
    expect(ownPage(details({ state: 'active', has_page_handler: true, page_available: true })).exists()).toBe(true);
  });
});
