import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Review, ReviewList as ReviewListAnswer } from '@oko/shared';
import type { StorePlugin } from '../src/api/types.js';
import RateDialog from '../src/components/reviews/RateDialog.vue';
import ReviewList from '../src/components/reviews/ReviewList.vue';
import StoreInstallButton from '../src/components/store/StoreInstallButton.vue';
import { useStoreCatalog } from '../src/composables/store-catalog.js';
import { sortFrom, tagFrom } from '../src/composables/store-url.js';
import { toasts } from '../src/composables/toasts.js';
import { additionsOf, compatibilityProblem, displayNameOf, githubSourceLink } from '../src/lib/store-facts.js';
import StoreTab from '../src/pages/control-center/StoreTab.vue';
import { json, stubFetch } from './fetch-stub.js';
import { withRouterLinks } from './router-stub.js';

// The store side's pieces that need no browser: facts and links, the sort and tag controls,
// install-and-run, the rate dialog and the review list. e2e/store-details.test.ts runs them in Chromium.

afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
  document.body.innerHTML = '';
});

const NONE = { network: [], listen: false, env: [], read: [] };
function entry(extra: Partial<StorePlugin> = {}): StorePlugin {
  return {
    id: 'id_lan',
    name: 'lan_watch',
    display_name: 'LAN watch',
    version: '1.2.0',
    description: 'Watches hosts',
    tags: ['network', 'lan'],
    installed: false,
    installed_version: null,
    installed_state: null,
    update_available: false,
    permissions: NONE,
    rating: { average: 4.5, count: 2 },
    installs: { downloads: 9, instances: 3 },
    ...extra,
  };
}

describe('store facts', () => {
  it('links only https github.com repositories, with the branch', () => {
    expect(githubSourceLink('https://github.com/oko/probe', 'main')).toEqual({
      href: 'https://github.com/oko/probe/tree/main',
      label: 'oko/probe @ main',
    });
    expect(githubSourceLink('https://github.com/oko/probe.git')?.href).toBe('https://github.com/oko/probe');
    for (const bad of [
      'http://github.com/oko/probe',
      'https://github.com.evil.example/oko/probe',
      'https://user:pw@github.com/oko/probe',
      'https://github.com:8443/oko/probe',
      'javascript:alert(1)//github.com/a/b',
      'https://github.com/oko',
      'not a url',
    ]) {
      expect(githubSourceLink(bad), bad).toBeNull();
    }
    expect(githubSourceLink('https://github.com/oko/probe', '../../evil')?.href).toBe('https://github.com/oko/probe');
  });

  it('names a plugin by display_name, then page_title, then its id; judges engines.oko against the offered API', () => {
    expect(displayNameOf({ name: 'a_b', display_name: 'Ab' })).toBe('Ab');
    expect(displayNameOf({ name: 'a_b', ui: { page_title: 'Page' } })).toBe('Page');
    expect(displayNameOf({ name: 'a_b' })).toBe('a_b');
    expect(compatibilityProblem({ manifest: { name: 'a', version: '1.0.0', engines: { oko: '>=2.0.0' } } }, '1.0.0')).toContain(
      'needs OKO plugin API >=2.0.0',
    );
    expect(compatibilityProblem({ manifest: { name: 'a', version: '1.0.0', engines: { oko: '^1.0.0' } } }, '1.0.0')).toBeNull();
    expect(additionsOf({ name: 'a', ui: { has_page: true, page_title: 'Hosts', widgets: [{ id: 'up', title: 'Hosts up' }] } })).toEqual({
      page: 'Hosts',
      widgets: ['Hosts up'],
    });
  });

  it('reads the order and the tag from the URL, falling back to name', () => {
    expect(sortFrom({ sort: 'rating' })).toBe('rating');
    expect(sortFrom({ sort: 'evil' })).toBe('name');
    expect(tagFrom({ tag: ' net ' })).toBe('net');
    expect(tagFrom({})).toBe('');
  });
});

describe('the Store tab: sort and tags', () => {
  beforeEach(() => {
    const store = useStoreCatalog();
    store.query.value = '';
    store.page.value = 1;
    store.sort.value = 'name';
    store.tag.value = '';
  });

  it('asks the store for the chosen order and tag, and offers each as a control', async () => {
    const { calls } = stubFetch({ '/api/v1/store': () => json({ available: true, plugins: [entry()], total: 1, page: 1, per_page: 24 }) });
    const store = useStoreCatalog();
    await store.refresh();
    const wrapper = mount(StoreTab, { global: withRouterLinks });
    await flushPromises();
    await wrapper.find('[data-testid="store-sort"]').setValue('rating');
    expect(wrapper.emitted('arrange')?.at(-1)).toEqual([{ sort: 'rating', tag: '' }]);
    await wrapper.find('[data-action="filter-tag"]').trigger('click');
    expect(wrapper.emitted('arrange')?.at(-1)).toEqual([{ sort: 'name', tag: 'network' }]);

    // The page holding the tab puts them in the URL, which arranges the catalog.
    await store.arrange({ sort: 'rating', tag: 'network' });
    await flushPromises();
    expect(calls.at(-1)).toBe('/api/v1/store?tag=network&sort=rating&page=1&per_page=24');
    expect(wrapper.find('[data-testid="active-tag"]').text()).toContain('network');
    await wrapper.find('[data-action="clear-tag"]').trigger('click');
    expect(wrapper.emitted('arrange')?.at(-1)).toEqual([{ sort: 'rating', tag: '' }]);
    // The card: display name as title, the id beside it, stars and count.
    const card = wrapper.find('article.store-card');
    expect(card.find('[data-testid="card-title-link"]').text()).toBe('LAN watch');
    expect(card.find('[data-testid="plugin-id"]').text()).toBe('lan_watch');
    expect(card.find('[data-testid="star-rating"]').text()).toContain('4.5 out of 5 stars from 2 ratings');
    expect(card.find('[data-action="install"]').attributes('aria-label')).toBe('Install LAN watch');
  });
});

describe('Install ends with the plugin running', () => {
  const installed = () =>
    json({
      status: 'installed',
      plugin: { id: 'lan_watch', name: 'lan_watch', version: '1.2.0', state: 'discovered', scope: 'external' },
      message: 'Plugin lan_watch installed',
    });
  const lists = {
    '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
    '/api/v1/plugins': () => json({ plugins: [] }),
    '/api/v1/store/id_lan/install': installed,
  };
  async function clickInstall() {
    const button = mount(StoreInstallButton, {
      global: withRouterLinks,
      props: { plugin: entry(), storeAvailable: true },
      attachTo: document.body,
    });
    await button.find('[data-action="install"]').trigger('click');
    await flushPromises();
    expect(document.querySelector('[role="dialog"] h2')?.textContent).toBe('Install LAN watch?');
    document.querySelector<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    return button;
  }

  it('installs, then loads under one progress ("Starting…"), then says it runs', async () => {
    let started: (res: Response) => void = () => {};
    const { calls } = stubFetch({ ...lists, '/api/v1/plugins/lan_watch/load': () => new Promise((resolve) => (started = resolve)) });
    const button = await clickInstall();
    expect(calls.filter((c) => c.includes('/install') || c.includes('/load'))).toEqual([
      '/api/v1/store/id_lan/install',
      '/api/v1/plugins/lan_watch/load',
    ]);
    expect(button.find('[role="status"]').attributes('data-phase')).toBe('starting');
    expect(button.find('[role="status"]').text()).toContain('Starting…');
    started(json({ id: 'lan_watch', name: 'lan_watch', state: 'active' }));
    await flushPromises();
    expect(button.find('[role="status"]').exists()).toBe(false);
    expect(toasts.value.map((t) => t.message)).toContain('LAN watch is installed and running');
    // The page around it learns the plugin is installed (a re-read of the entry) a moment later.
    await button.setProps({ plugin: entry({ installed: true, installed_version: '1.2.0', installed_state: 'active' }) });
    await flushPromises();
    // The keyboard is not left on <body>: focus is on Open, what comes next.
    expect(document.activeElement?.getAttribute('data-action')).toBe('open');
  });

  it('says the plugin is installed but did not start, and why, when the load fails', async () => {
    stubFetch({
      ...lists,
      '/api/v1/plugins/lan_watch/load': () => json({ error: { code: 'PLUGIN_LOAD_FAILED', message: 'setup threw: no config' } }, 422),
    });
    const button = await clickInstall();
    expect(button.find('[data-testid="install-error"]').text()).toBe('LAN watch is installed but did not start: setup threw: no config');
    expect(toasts.value.filter((t) => t.tone === 'success')).toEqual([]);
  });
});

describe('reviews', () => {
  const review = (extra: Partial<Review> = {}): Review => ({
    id: 'r1',
    plugin: 'lan_watch',
    version: '1.2.0',
    rating: 4,
    title: 'Works',
    body: '<img src=x onerror="window.pwned=1">fine',
    reviewer: 'dashboard 1a2b3c4d',
    verified_install: true,
    created_at: '2026-11-30T08:00:00Z',
    updated_at: '2026-11-30T08:00:00Z',
    ...extra,
  });

  it('shows review text as text, with the reviewer, stars and a verified-install mark', () => {
    const list: ReviewListAnswer = { reviews: [review()], total: 1, page: 1, per_page: 10, rating: { average: 4, count: 1 } };
    const wrapper = mount(ReviewList, { props: { list } });
    expect(wrapper.find('img').exists()).toBe(false);
    expect(wrapper.find('[data-testid="review-body"]').text()).toBe('<img src=x onerror="window.pwned=1">fine');
    expect(wrapper.find('[data-testid="reviewer"]').text()).toBe('dashboard 1a2b3c4d');
    expect(wrapper.find('[data-testid="verified-install"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="star-rating"]').text()).toContain('4 out of 5 stars');
  });

  it('the rate dialog needs stars, counts the characters left and shows the refusal in the backend words', async () => {
    const send = vi.fn(async () => {
      throw new Error('Only an installed plugin can be reviewed');
    });
    const wrapper = mount(RateDialog, { props: { open: true, displayName: 'LAN watch', existing: null, send }, attachTo: document.body });
    await flushPromises();
    const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;
    expect($('[role="dialog"] h2').textContent).toBe('Rate LAN watch');
    // The dialog focuses its first field: the first star.
    expect(document.activeElement).toBe($('input[data-stars="1"]'));
    $<HTMLButtonElement>('[data-action="send-review"]').click();
    await flushPromises();
    expect($('[data-testid="review-error"]').textContent).toBe('Choose 1 to 5 stars first.');
    expect(send).not.toHaveBeenCalled();

    $<HTMLInputElement>('input[data-stars="4"]').click();
    const title = $<HTMLInputElement>('[data-testid="review-title"]');
    title.value = 'Good';
    title.dispatchEvent(new Event('input'));
    await flushPromises();
    expect($('[data-testid="title-left"]').textContent).toBe('116 characters left');
    $<HTMLButtonElement>('[data-action="send-review"]').click();
    await flushPromises();
    expect(send).toHaveBeenCalledWith({ rating: 4, title: 'Good' });
    expect($('[data-testid="review-error"]').textContent).toBe('Only an installed plugin can be reviewed');
    expect(wrapper.emitted('sent')).toBeUndefined();
  });

  it('starts from the earlier review, which sending replaces', async () => {
    const send = vi.fn(async () => undefined);
    const wrapper = mount(RateDialog, {
      props: { open: true, displayName: 'LAN watch', existing: review({ rating: 2, body: 'meh' }), send },
      attachTo: document.body,
    });
    await flushPromises();
    expect(document.querySelector('[role="dialog"] h2')?.textContent).toBe('Change your review of LAN watch');
    expect(document.querySelector<HTMLInputElement>('input[data-stars="2"]')?.checked).toBe(true);
    expect(document.querySelector('[data-action="send-review"]')?.textContent?.trim()).toBe('Replace review');
    document.querySelector<HTMLButtonElement>('[data-action="send-review"]')!.click();
    await flushPromises();
    expect(send).toHaveBeenCalledWith({ rating: 2, title: 'Works', body: 'meh' });
    expect(wrapper.emitted('sent')).toHaveLength(1);
  });
});

describe('Upload ZIP says it once', () => {
  it('a dialog that says the outcome itself gets no success toast; one that closes does', async () => {
    const { useStoreSend } = await import('../src/composables/store-send.js');
    stubFetch({ '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }) });
    const answer = { success: true, plugin_id: 'abc123abc123', message: 'Plugin lan_watch 1.2.0 uploaded', plugin: entry() };
    const stays = useStoreSend(() => undefined);
    await stays.send(async () => answer, null, 'Upload failed');
    expect(stays.error.value).toBeNull();
    expect(toasts.value).toEqual([]);
    const closes = useStoreSend(() => undefined);
    await closes.send(
      async () => answer,
      () => 'sent',
      'Import failed',
    );
    expect(toasts.value.map((t) => t.message)).toEqual(['Plugin lan_watch 1.2.0 uploaded']);
  });
});

describe('the install dialog names the plugin', () => {
  it('by its display name in the title and in its sentences, never by the id alone', async () => {
    const { default: PermissionsDialog } = await import('../src/components/store/PermissionsDialog.vue');
    const base = { mode: 'install' as const, name: 'lan_watch', displayName: 'LAN watch', version: '1.2.0' };
    const none = mount(PermissionsDialog, { props: { request: { ...base, requested: NONE } }, attachTo: document.body });
    await flushPromises();
    expect(document.querySelector('[data-testid="no-permissions"]')!.textContent).toMatch(/^\s*LAN watch v1\.2\.0 needs no special/);
    none.unmount();
    const some = mount(PermissionsDialog, {
      props: { request: { ...base, requested: { ...NONE, listen: true } } },
      attachTo: document.body,
    });
    await flushPromises();
    const text = document.querySelector('[data-testid="permissions-dialog"]')!.textContent!;
    expect(text).toContain('LAN watch v1.2.0 will be allowed to:');
    expect(text).not.toContain('lan_watch');
    some.unmount();
  });
});

describe('the sidebar on a store details page', () => {
  it('marks Plugins as where the person is, as on /plugins', async () => {
    const { default: AppNavigation } = await import('../src/components/app/AppNavigation.vue');
    const { createMemoryHistory, createRouter } = await import('vue-router');
    stubFetch({});
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<p />' } }] });
    for (const [path, active] of [
      ['/store/lan_watch', true],
      ['/plugins', true],
      ['/', false],
    ] as const) {
      await router.push(path);
      const nav = mount(AppNavigation, { global: { plugins: [router] } });
      await flushPromises();
      const plugins = nav.findAll('a').find((link) => link.text().startsWith('Plugins'))!;
      expect(plugins.classes().includes('active'), path).toBe(active);
      nav.unmount();
    }
  });
});

describe('compatibility in plain words', () => {
  it('says a plugin that names no engines.oko runs here, without the jargon "names no plugin API version"', async () => {
    const { default: StoreDetailsFacts } = await import('../src/components/store/StoreDetailsFacts.vue');
    const facts = mount(StoreDetailsFacts, {
      props: { plugin: { ...entry(), size: 1024, manifest: { name: 'lan_watch', version: '1.2.0' } }, apiVersion: '1.0.0' },
    });
    expect(facts.find('[data-fact="compatibility"]').text()).toBe('Yes: it does not ask for a particular plugin API version');
  });
});
