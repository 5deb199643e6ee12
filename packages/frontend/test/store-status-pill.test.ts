import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import type { StoreHealthReport, StoreListing } from '@oko/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import StoreStatusPill from '../src/components/store/StoreStatusPill.vue';
import { useStoreCatalog } from '../src/composables/store-catalog.js';
import { useStoreHealth } from '../src/composables/store-health.js';
import PluginsControlCenter from '../src/pages/PluginsControlCenter.vue';
import { json, stubFetch } from './fetch-stub.js';

// The store pill of the plugins page: online, degraded or read-only, unavailable, checking; and
// when the page reads the store's health (the visit, focus, a change in the listing), not per listing.

enableAutoUnmount(afterEach);
beforeEach(() => {
  // Both are shared by the pages of the app: each test starts as a first visit.
  useStoreCatalog().available.value = null;
  useStoreHealth().report.value = null;
  useStoreHealth().checked.value = false;
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const LISTING: StoreListing = { available: true, plugins: [], total: 0, page: 1, per_page: 24 };
const DOWN: StoreListing = {
  ...LISTING,
  available: false,
  reason: 'Plugin store at http://store.test/api/v1 is unavailable: connection refused',
};
const health = (store: Partial<NonNullable<StoreHealthReport['store']>>): StoreHealthReport => ({
  available: true,
  url: 'http://store.test/api/v1',
  response_time_ms: 2,
  store: { version: '0.16.0', plugins_count: 0, status: 'healthy', read_only: false, ...store },
});
const BROKEN = health({
  status: 'degraded',
  read_only: true,
  reason: 'plugins.json is unreadable (not valid JSON: Unterminated string in JSON at position 38)',
});

async function visit(answers: { listing: () => StoreListing; health: () => StoreHealthReport | Promise<Response> }) {
  const { calls } = stubFetch({
    '/api/v1/plugins': () => json({ plugins: [] }),
    '/api/v1/store': () => json(answers.listing()),
    '/api/v1/store/health': () => {
      const answer = answers.health();
      return answer instanceof Promise ? answer : json(answer);
    },
  });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: PluginsControlCenter }] });
  await router.push('/plugins?tab=store');
  const page = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  const pill = () => page.get('[data-testid="store-pill"]');
  const healthReads = () => calls.filter((call) => call === '/api/v1/store/health').length;
  return { page, pill, healthReads };
}

describe('the store pill', () => {
  it('is green and says online for a healthy store', async () => {
    const { page, pill } = await visit({ listing: () => LISTING, health: () => health({}) });
    expect(pill().text()).toBe('Store online');
    expect(pill().attributes('data-state')).toBe('online');
    expect(pill().classes()).toContain('tone-active');
    expect(pill().attributes('title')).toBeUndefined();
    expect(page.find('[data-testid="store-read-only"]').exists()).toBe(false);
  });

  it('is amber and says degraded and read-only, with why in words, for a store whose plugins.json is broken', async () => {
    const { page, pill } = await visit({ listing: () => LISTING, health: () => BROKEN });
    expect(pill().find('.label').text()).toBe('Store degraded · read-only');
    expect(pill().attributes('data-state')).toBe('degraded');
    expect(pill().classes()).toContain('tone-loading');
    const title = pill().attributes('title')!;
    expect(title).toContain("The store's catalog could not be read in full");
    expect(title).toContain('Installing still works');
    // A screen reader hears the same reason as the tooltip shows.
    expect(pill().find('.visually-hidden').text()).toContain(title);
    // A phone has no tooltip: the Store tab says what read-only means there.
    expect(page.get('[data-testid="store-read-only"]').text()).toContain('Installing still works');
    // Nor does the empty store suggest uploading to it.
    expect(page.text()).not.toContain('Upload a ZIP or import');
    expect(page.text()).not.toContain('An admin can add plugins');
  });

  it("is red and says unavailable with the listing's reason when the store does not answer", async () => {
    const { pill } = await visit({ listing: () => DOWN, health: () => health({}) });
    expect(pill().find('.label').text()).toBe('Store unavailable');
    expect(pill().classes()).toContain('tone-error');
    expect(pill().attributes('title')).toBe(DOWN.reason);
  });

  it('says checking until the store has said how it is, not green first', async () => {
    let answer = (_: Response) => undefined as void;
    const held = new Promise<Response>((resolve) => (answer = resolve));
    const { pill } = await visit({ listing: () => LISTING, health: () => held });
    expect(pill().find('.label').text()).toBe('Store: checking');
    expect(pill().attributes('data-state')).toBe('checking');
    answer(json(BROKEN));
    await flushPromises();
    expect(pill().find('.label').text()).toBe('Store degraded · read-only');
  });

  it('reads the health once on the visit, not with every listing, again on focus, and when the listing finds the store back', async () => {
    let listing = LISTING;
    let answer = BROKEN;
    const { pill, healthReads } = await visit({ listing: () => listing, health: () => answer });
    expect(healthReads()).toBe(1);
    await useStoreCatalog().refresh();
    await useStoreCatalog().refresh();
    await flushPromises();
    expect(healthReads()).toBe(1);

    // The operator repaired the catalog; the user comes back to the window.
    answer = health({});
    window.dispatchEvent(new Event('focus'));
    await flushPromises();
    expect(healthReads()).toBe(2);
    expect(pill().text()).toBe('Store online');

    listing = DOWN;
    await useStoreCatalog().refresh();
    await flushPromises();
    expect(pill().find('.label').text()).toBe('Store unavailable');
    const whileDown = healthReads();
    // Back, but read-only now: the pill learns it from the read the listing's change starts.
    listing = LISTING;
    answer = BROKEN;
    await useStoreCatalog().refresh();
    await flushPromises();
    expect(healthReads()).toBe(whileDown + 1);
    expect(pill().find('.label').text()).toBe('Store degraded · read-only');
  });
});

describe("the sidebar's upload and import actions", () => {
  const actions = (page: Awaited<ReturnType<typeof visit>>['page']) =>
    ['open-upload-zip', 'open-github-import'].map((id) => page.get(`[data-action="${id}"]`));

  it('are refused before a file is picked while the store is read-only, and offered again once it writes', async () => {
    let answer = BROKEN;
    const { page } = await visit({ listing: () => LISTING, health: () => answer });
    for (const button of actions(page)) {
      expect(button.attributes('disabled')).toBeDefined();
      expect(button.attributes('aria-describedby')).toBe('store-writes-refused');
    }
    expect(page.get('[data-testid="store-writes-refused"]').text()).toContain('refuses uploads and imports');

    answer = health({});
    window.dispatchEvent(new Event('focus'));
    await flushPromises();
    for (const button of actions(page)) expect(button.attributes('disabled')).toBeUndefined();
    expect(page.find('[data-testid="store-writes-refused"]').exists()).toBe(false);
  });

  it('stay offered when the store is away: whether it refuses is not known, and the dialog says what went wrong', async () => {
    const { page } = await visit({ listing: () => DOWN, health: () => BROKEN });
    for (const button of actions(page)) expect(button.attributes('disabled')).toBeUndefined();
  });
});

describe('StoreStatusPill alone', () => {
  it('says read-only alone for a store that refuses writes without calling itself degraded', () => {
    const pill = mount(StoreStatusPill, {
      props: { sources: { available: true, health: health({ read_only: true }), healthChecked: true } },
    });
    expect(pill.find('.label').text()).toBe('Store read-only');
    expect(pill.classes()).toContain('tone-loading');
  });
});
