import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StorePlugin } from '../src/api/types.js';
import StorePluginCard from '../src/components/store/StorePluginCard.vue';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch } from './fetch-stub.js';
import { withRouterLinks } from './router-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
});

const NONE = { network: [], listen: false, env: [], read: [] };

/** alpha 2.0.0 in the catalog while 1.0.0 is installed and active. */
function newer(extra: Partial<StorePlugin> = {}): StorePlugin {
  return {
    id: 'id_alpha_2',
    name: 'alpha',
    version: '2.0.0',
    description: 'A plugin',
    tags: [],
    installed: true,
    installed_version: '1.0.0',
    installed_state: 'active',
    update_available: true,
    permissions: NONE,
    ...extra,
  };
}

const lists = {
  '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
  '/api/v1/plugins': () => json({ plugins: [] }),
  // What the update dialog reads: the installed plugin's grant.
  '/api/v1/plugins/alpha': () => json({ id: 'alpha', permissions: { declared: NONE, granted: NONE, recorded: true } }),
};

/** Clicks Update, then confirms the permissions dialog (teleported to the body). */
async function clickUpdate(card: ReturnType<typeof mount>) {
  await card.find('[data-action="update"]').trigger('click');
  await flushPromises();
  document.querySelector<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
  await flushPromises();
}

describe('StorePluginCard update', () => {
  it('offers "Update to vX" only when an update is available', () => {
    const card = mount(StorePluginCard, { global: withRouterLinks, props: { plugin: newer(), storeAvailable: true } });
    expect(card.find('[data-action="update"]').text()).toBe('Update to v2.0.0');
    expect(card.find('[data-action="install"]').exists()).toBe(false);
    const current = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: newer({ update_available: false, installed_version: '2.0.0' }), storeAvailable: true },
    });
    expect(current.find('[data-action="update"]').exists()).toBe(false);
    expect(current.find('[data-testid="installed-mark"]').text()).toContain('v2.0.0');
  });

  it('is disabled while the store is unavailable', () => {
    const card = mount(StorePluginCard, { global: withRouterLinks, props: { plugin: newer(), storeAvailable: false } });
    expect(card.find('[data-action="update"]').attributes('disabled')).toBeDefined();
  });

  it('posts the update for this catalog id, shows progress meanwhile, then a success toast', async () => {
    let answer: (res: Response) => void = () => {};
    const { calls, fetchMock } = stubFetch({
      ...lists,
      '/api/v1/store/id_alpha_2/update': () => new Promise<Response>((resolve) => (answer = resolve)),
    });
    const card = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: newer(), storeAvailable: true },
      attachTo: document.body,
    });
    await clickUpdate(card);
    expect(calls).toContain('/api/v1/store/id_alpha_2/update');
    const sent = fetchMock.mock.calls.find(([url]) => url === '/api/v1/store/id_alpha_2/update')?.[1];
    expect(sent?.method).toBe('POST');
    // The dialog was confirmed: that is the consent the backend asks for.
    expect(JSON.parse(String(sent?.body))).toMatchObject({ accept_permissions: true, expect: { name: 'alpha', version: '2.0.0' } });
    expect(card.find('[role="status"]').text()).toContain('Updating…');
    expect(card.find('[data-action="update"]').exists()).toBe(false);

    answer(
      json({
        status: 'updated',
        plugin: { id: 'alpha', name: 'alpha', version: '2.0.0', state: 'active', scope: 'external' },
        previous_version: '1.0.0',
        message: 'Plugin alpha updated from 1.0.0 to 2.0.0',
      }),
    );
    await flushPromises();
    expect(card.find('[role="status"]').exists()).toBe(false);
    expect(toasts.value).toContainEqual(expect.objectContaining({ tone: 'success', message: 'Plugin alpha updated from 1.0.0 to 2.0.0' }));
  });

  it('shows the reason under the card when the update is refused', async () => {
    stubFetch({
      ...lists,
      '/api/v1/store/id_alpha_2/update': () =>
        json({ error: { code: 'CHECKSUM_MISMATCH', message: 'Downloaded package does not match its SHA-256' } }, 422),
    });
    const card = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: newer(), storeAvailable: true },
      attachTo: document.body,
    });
    await clickUpdate(card);
    expect(card.find('[role="alert"]').text()).toContain('does not match its SHA-256');
    // Said once, under the card: no toast repeats it.
    expect(toasts.value.filter((toast) => toast.tone === 'error')).toEqual([]);
  });

  it('reports a new version that failed to load as an error toast with its reason', async () => {
    stubFetch({
      ...lists,
      '/api/v1/store/id_alpha_2/update': () =>
        json({
          status: 'updated',
          plugin: { id: 'alpha', name: 'alpha', version: '2.0.0', state: 'error', scope: 'external' },
          previous_version: '1.0.0',
          message: 'Plugin alpha updated from 1.0.0 to 2.0.0, but the new version failed to load: boom',
        }),
    });
    const card = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: newer(), storeAvailable: true },
      attachTo: document.body,
    });
    await clickUpdate(card);
    expect(toasts.value.at(-1)).toMatchObject({ tone: 'error', message: expect.stringContaining('failed to load: boom') });
  });

  it('cancelling the dialog sends nothing', async () => {
    const { calls } = stubFetch(lists);
    const card = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: newer({ permissions: { ...NONE, listen: true } }), storeAvailable: true },
      attachTo: document.body,
    });
    await card.find('[data-action="update"]').trigger('click');
    await flushPromises();
    expect(document.querySelector('[data-added]')?.textContent).toContain('Listen on a port');
    document.querySelector<HTMLButtonElement>('[data-action="cancel-permissions"]')!.click();
    await flushPromises();
    expect(calls).not.toContain('/api/v1/store/id_alpha_2/update');
    expect(document.querySelector('[data-testid="permissions-dialog"]')).toBeNull();
  });
});
