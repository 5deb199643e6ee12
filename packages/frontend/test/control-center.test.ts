import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { ApiError, request } from '../src/api/client.js';
import HeaderTabList from '../src/components/HeaderTabList.vue';
import { useStoreCatalog } from '../src/composables/store-catalog.js';
import { menuGroups } from '../src/lib/plugin-facts.js';
import StoreTab from '../src/pages/control-center/StoreTab.vue';
import type { InstalledPlugin } from '../src/api/types.js';
import { json, stubFetch } from './fetch-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('API client', () => {
  it('turns the error shape into an ApiError with status, code and message', async () => {
    stubFetch({ '/api/v1/x': () => json({ error: { code: 'ILLEGAL_TRANSITION', message: 'Plugin a is disabled' } }, 409) });
    const error = await request('/api/v1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'ILLEGAL_TRANSITION', message: 'Plugin a is disabled' });
  });

  it('names the status when the body is not the error shape', async () => {
    stubFetch({ '/api/v1/x': () => new Response('<html>bad gateway</html>', { status: 502 }) });
    await expect(request('/api/v1/x')).rejects.toMatchObject({ status: 502, code: 'BAD_RESPONSE' });
  });

  it('reports an unreachable backend as NETWORK_ERROR', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(request('/api/v1/x')).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});

describe('HeaderTabList', () => {
  const tabs = [
    { id: 'installed', label: 'Installed' },
    { id: 'store', label: 'Store' },
    { id: 'settings', label: 'Settings' },
  ];

  it('is a tablist of buttons with one tab in the tab order', () => {
    const wrapper = mount(HeaderTabList, { props: { tabs, selected: 'store', label: 'Plugins', panelIdPrefix: 'p' } });
    expect(wrapper.find('[role="tablist"]').attributes('aria-label')).toBe('Plugins');
    const buttons = wrapper.findAll('[role="tab"]');
    expect(buttons.map((b) => b.element.tagName)).toEqual(['BUTTON', 'BUTTON', 'BUTTON']);
    expect(buttons.map((b) => b.attributes('tabindex'))).toEqual(['-1', '0', '-1']);
    expect(buttons[1]!.attributes('aria-controls')).toBe('p-store');
  });

  it('selects with arrow keys, wrapping around, and Home/End', async () => {
    const wrapper = mount(HeaderTabList, { props: { tabs, selected: 'installed', label: 'Plugins', panelIdPrefix: 'p' }, attachTo: document.body });
    const key = async (index: number, name: string) => {
      await wrapper.findAll('[role="tab"]')[index]!.trigger('keydown', { key: name });
      await nextTick();
    };
    await key(0, 'ArrowLeft');
    await key(0, 'ArrowRight');
    await key(2, 'Home');
    await key(0, 'End');
    expect(wrapper.emitted('select')).toEqual([['settings'], ['store'], ['installed'], ['settings']]);
    wrapper.unmount();
  });
});

describe('menu entries', () => {
  const plugin = (id: string, state: InstalledPlugin['state'], ui: Partial<InstalledPlugin['ui']>): InstalledPlugin => ({
    id,
    name: id,
    version: '1.0.0',
    description: '',
    state,
    scope: 'external',
    ui: { has_page: true, show_in_menu: true, api_prefix: id, widgets: 0, ...ui },
  });

  it('lists active plugins with show_in_menu, grouped by menu_group and ordered by menu_order', () => {
    const groups = menuGroups([
      plugin('b', 'active', { menu_group: 'Network', menu_order: 20, page_title: 'B page', page_icon: 'radar' }),
      plugin('a', 'active', { menu_group: 'Network', menu_order: 10 }),
      plugin('c', 'active', { menu_group: 'System', menu_order: 5 }),
      plugin('hidden', 'active', { show_in_menu: false }),
      plugin('stopped', 'discovered', { menu_group: 'Network' }),
    ]);
    expect(groups.map((g) => [g.name, g.entries.map((e) => e.title)])).toEqual([
      ['System', ['c']],
      ['Network', ['a', 'B page']],
    ]);
    expect(groups[1]!.entries[1]!.icon).toBe('radar');
  });
});

describe('StoreTab', () => {
  it('shows an unavailable store as an empty state with the reason, not a spinner, and sees it come back', async () => {
    let up = false;
    stubFetch({
      '/api/v1/store': () =>
        up
          ? json({ available: true, total: 1, plugins: [{ id: 'x1', name: 'lan_watch', version: '1.0.0', description: 'Hosts', tags: ['network'], installed: false, installed_version: null, installed_state: null }] })
          : json({ available: false, total: 0, plugins: [], reason: 'connection refused' }),
    });
    await useStoreCatalog().refresh();
    const wrapper = mount(StoreTab, { global: { stubs: { RouterLink: true } } });
    await flushPromises();
    const down = wrapper.find('[data-testid="store-unavailable"]');
    expect(down.text()).toContain('connection refused');
    expect(wrapper.find('.spinner').exists()).toBe(false);

    up = true;
    await useStoreCatalog().refresh();
    await flushPromises();
    expect(wrapper.find('[data-testid="store-unavailable"]').exists()).toBe(false);
    expect(wrapper.find('article.store-card').text()).toContain('lan_watch');
    await wrapper.find('[data-testid="store-search"]').setValue('NETWORK');
    expect(wrapper.findAll('article.store-card')).toHaveLength(1);
    await wrapper.find('[data-testid="store-search"]').setValue('nothing');
    expect(wrapper.findAll('article.store-card')).toHaveLength(0);
  });
});
