import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { ApiError, request } from '../src/api/client.js';
import HeaderTabList from '../src/components/app/HeaderTabList.vue';
import { STORE_PAGE_SIZE, STORE_SEARCH_DEBOUNCE_MS, useStoreCatalog } from '../src/composables/store-catalog.js';
import { menuGroups } from '../src/lib/plugin-facts.js';
import StoreTab from '../src/pages/control-center/StoreTab.vue';
import type { InstalledPlugin, StorePlugin } from '../src/api/types.js';
import { json, stubFetch, type Handler } from './fetch-stub.js';

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
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
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
    const wrapper = mount(HeaderTabList, {
      props: { tabs, selected: 'installed', label: 'Plugins', panelIdPrefix: 'p' },
      attachTo: document.body,
    });
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

/** A store plugin as GET /api/v1/store lists it. */
function storePlugin(name: string, extra: Partial<StorePlugin> = {}): StorePlugin {
  return {
    id: `id_${name}`,
    name,
    version: '1.0.0',
    description: `About ${name}`,
    tags: [],
    installed: false,
    installed_version: null,
    installed_state: null,
    update_available: false,
    ...extra,
  };
}

/** GET /api/v1/store over a fixed catalog, searching and paging as the store does (q, page, per_page). */
function storeRoute(catalog: StorePlugin[], status = { up: true, reason: 'connection refused' }): Handler {
  return (_init, url) => {
    const page = Number(url.searchParams.get('page') ?? 1);
    const perPage = Number(url.searchParams.get('per_page') ?? 50);
    if (!status.up) return json({ available: false, plugins: [], total: 0, page, per_page: perPage, reason: status.reason });
    const q = url.searchParams.get('q')?.toLowerCase() ?? '';
    const matches = catalog.filter(
      (p) => !q || [p.name, p.description ?? '', ...(p.tags ?? [])].some((text) => text.toLowerCase().includes(q)),
    );
    return json({
      available: true,
      plugins: matches.slice((page - 1) * perPage, page * perPage),
      total: matches.length,
      page,
      per_page: perPage,
    });
  };
}

describe('StoreTab', () => {
  beforeEach(() => {
    // The catalog state is shared by the whole app; each test starts on an unsearched first page.
    const store = useStoreCatalog();
    store.query.value = '';
    store.page.value = 1;
  });
  afterEach(() => vi.useRealTimers());

  const cardNames = (wrapper: ReturnType<typeof mount>) =>
    wrapper.findAll('article.store-card').map((card) => card.attributes('data-name'));
  /** Lets the search debounce run out and the answer arrive. */
  const afterTyping = async () => {
    await vi.advanceTimersByTimeAsync(STORE_SEARCH_DEBOUNCE_MS);
    await flushPromises();
  };

  it('shows an unavailable store as an empty state with the reason, not a spinner, and sees it come back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const status = { up: false, reason: 'connection refused' };
    stubFetch({
      '/api/v1/store': storeRoute([storePlugin('lan_watch', { description: 'Hosts', tags: ['network'] }), storePlugin('weather')], status),
    });
    await useStoreCatalog().refresh();
    const wrapper = mount(StoreTab, { global: { stubs: { RouterLink: true } } });
    await flushPromises();
    const down = wrapper.find('[data-testid="store-unavailable"]');
    expect(down.text()).toContain('connection refused');
    expect(wrapper.find('.spinner').exists()).toBe(false);

    status.up = true;
    await useStoreCatalog().refresh();
    await flushPromises();
    expect(wrapper.find('[data-testid="store-unavailable"]').exists()).toBe(false);
    expect(cardNames(wrapper)).toEqual(['lan_watch', 'weather']);
    await wrapper.find('[data-testid="store-search"]').setValue('NETWORK');
    await afterTyping();
    expect(cardNames(wrapper)).toEqual(['lan_watch']);
    await wrapper.find('[data-testid="store-search"]').setValue('nothing');
    await afterTyping();
    expect(wrapper.findAll('article.store-card')).toHaveLength(0);
    expect(wrapper.text()).toContain('No plugin matches “nothing”');
  });

  it('pages through a 120-plugin catalog: the count is announced and page 2 and the last page are reachable', async () => {
    const catalog = Array.from({ length: 120 }, (_, i) => storePlugin(`plugin_${String(i + 1).padStart(3, '0')}`));
    const names = catalog.map((p) => p.name);
    const stub = stubFetch({ '/api/v1/store': storeRoute(catalog) });
    // Only the catalog's requests: the tab also reads the trusted keys, for the cards' signature badges.
    const calls = { at: (i: number) => stub.calls.filter((call) => call.startsWith('/api/v1/store')).at(i) };
    await useStoreCatalog().refresh();
    const wrapper = mount(StoreTab, { global: { stubs: { RouterLink: true } } });
    await flushPromises();

    const count = wrapper.find('[data-testid="store-count"]');
    expect(count.attributes('aria-live')).toBe('polite');
    expect(count.text()).toBe(`120 plugins in the store · page 1 of ${Math.ceil(120 / STORE_PAGE_SIZE)}`);
    expect(cardNames(wrapper)).toEqual(names.slice(0, STORE_PAGE_SIZE));
    expect(calls.at(-1)).toBe(`/api/v1/store?page=1&per_page=${STORE_PAGE_SIZE}`);

    const pager = wrapper.find('nav[data-testid="store-pager"]');
    expect(pager.attributes('aria-label')).toBe('Store pages');
    expect(pager.find('[data-page="previous"]').attributes('disabled')).toBeDefined();
    await pager.find('button[data-page="2"]').trigger('click');
    await flushPromises();
    expect(calls.at(-1)).toBe(`/api/v1/store?page=2&per_page=${STORE_PAGE_SIZE}`);
    expect(cardNames(wrapper)).toEqual(names.slice(STORE_PAGE_SIZE, 2 * STORE_PAGE_SIZE));
    expect(wrapper.find('button[aria-current="page"]').text()).toBe('2');
    expect(count.text()).toContain('page 2 of 5');

    // Every page is a button: the last one holds the plugins past the store's default page of 50.
    const last = wrapper.find('button[data-page="5"]');
    expect(last.element.tagName).toBe('BUTTON');
    await last.trigger('click');
    await flushPromises();
    expect(cardNames(wrapper)).toEqual(names.slice(4 * STORE_PAGE_SIZE));
    expect(cardNames(wrapper)).toContain('plugin_120');
    expect(wrapper.find('[data-page="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('[data-page="previous"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('button[aria-current="page"]').text()).toBe('4');
  }, 30_000); // Draws several pages of 24 cards in happy-dom: seconds on a loaded 2-core machine.

  it('searches on the store after a pause in typing, from the first page', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const catalog = Array.from({ length: 120 }, (_, i) => storePlugin(`plugin_${String(i + 1).padStart(3, '0')}`));
    const { calls } = stubFetch({ '/api/v1/store': storeRoute(catalog) });
    await useStoreCatalog().refresh();
    const wrapper = mount(StoreTab, { global: { stubs: { RouterLink: true } } });
    await flushPromises();
    await wrapper.find('button[data-page="3"]').trigger('click');
    await flushPromises();

    const input = wrapper.find('[data-testid="store-search"]');
    await input.setValue('plugin_1');
    await input.setValue('plugin_11');
    const before = calls.length;
    await vi.advanceTimersByTimeAsync(STORE_SEARCH_DEBOUNCE_MS - 1);
    expect(calls.length).toBe(before); // nothing sent while typing
    await afterTyping();
    expect(calls.slice(before)).toEqual([`/api/v1/store?q=plugin_11&page=1&per_page=${STORE_PAGE_SIZE}`]);
    expect(cardNames(wrapper)).toEqual(Array.from({ length: 10 }, (_, i) => `plugin_11${i}`));
    expect(wrapper.find('[data-testid="store-count"]').text()).toBe('10 plugins match “plugin_11”');
    expect(wrapper.find('[data-testid="store-pager"]').exists()).toBe(false);
  }, 30_000); // Draws the cards of each answer in happy-dom: seconds on a loaded 2-core machine.
});
