import { flushPromises, mount } from '@vue/test-utils';
import type { AuthMe } from '@oko/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { InstalledPlugin, StorePlugin } from '../src/api/types.js';
import PluginActions from '../src/components/plugin/PluginActions.vue';
import TrustedKeysPanel from '../src/components/settings/TrustedKeysPanel.vue';
import StorePluginCard from '../src/components/store/StorePluginCard.vue';
import { setSession } from '../src/composables/session.js';
import PluginsControlCenter from '../src/pages/PluginsControlCenter.vue';
import SettingsTab from '../src/pages/control-center/SettingsTab.vue';
import { json, stubFetch } from './fetch-stub.js';
import { withRouterLinks } from './router-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const ADMIN: AuthMe = { user: 'root', role: 'admin', auth: 'on' };
const VIEWER: AuthMe = { user: 'vera', role: 'viewer', auth: 'on' };
const NONE = { network: [], listen: false, env: [], read: [] };

const installed: InstalledPlugin = {
  id: 'alpha',
  name: 'alpha',
  version: '1.0.0',
  description: '',
  state: 'active',
  scope: 'external',
  ui: { has_page: false, show_in_menu: false, api_prefix: 'alpha', widgets: 0 },
};
const inStore = (extra: Partial<StorePlugin>): StorePlugin => ({
  id: 'id_beta',
  name: 'beta',
  version: '1.0.0',
  description: 'A plugin',
  tags: [],
  installed: false,
  installed_version: null,
  installed_state: null,
  update_available: false,
  permissions: NONE,
  ...extra,
});

const routes = {
  '/api/v1/plugins': () => json({ plugins: [installed] }),
  '/api/v1/store': () => json({ available: true, plugins: [inStore({})], total: 1, page: 1, per_page: 24 }),
  '/api/v1/store/health': () => json({ available: true, url: 'http://store.test' }),
  '/api/v1/trust/keys': () =>
    json({
      keys: [{ key_id: 'k1', name: 'alice', source: 'settings', public_key: 'PEM', added_at: '2026-01-01T00:00:00Z' }],
      policy: 'warn',
    }),
  '/api/v1/auth/users': () => json({ users: [{ username: 'root', role: 'admin', created_at: '2026-01-01T00:00:00Z' }] }),
  '/api/v1/auth/tokens': () => json({ tokens: [] }),
};

/** Every control only an admin may use, by its data-action or test id. */
const ADMIN_ONLY = [
  '[data-action="open-upload-zip"]',
  '[data-action="open-github-import"]',
  '[data-action="install"]',
  '[data-action="update"]',
  '[data-action="unload"]',
  '[data-action="reload"]',
  '[data-action="disable"]',
  '[data-action="uninstall"]',
  '[data-action="remove-key"]',
  '[data-testid="add-trusted-key"]',
  '[data-testid="users-panel"]',
  '[data-testid="tokens-panel"]',
];

function present(html: { find(selector: string): { exists(): boolean } }) {
  return ADMIN_ONLY.filter((selector) => html.find(selector).exists());
}

describe('controls only an admin may use', () => {
  for (const [who, session, expected] of [
    ['a viewer', VIEWER, false],
    ['an admin', ADMIN, true],
  ] as const) {
    it(`are ${expected ? 'shown to' : 'hidden from'} ${who} on the cards`, () => {
      setSession(session);
      const actions = mount(PluginActions, { props: { plugin: installed } });
      const card = mount(StorePluginCard, { global: withRouterLinks, props: { plugin: inStore({}), storeAvailable: true } });
      const update = mount(StorePluginCard, {
        global: withRouterLinks,
        props: { plugin: inStore({ installed: true, installed_version: '0.9.0', update_available: true }), storeAvailable: true },
      });
      expect(actions.find('[data-action="reload"]').exists()).toBe(expected);
      expect(actions.find('[data-action="uninstall"]').exists()).toBe(expected);
      expect(card.find('[data-action="install"]').exists()).toBe(expected);
      expect(update.find('[data-action="update"]').exists()).toBe(expected);
    });
  }

  it('hides the sidebar install actions, trusted-key changes and Users/API tokens from a viewer', async () => {
    setSession(VIEWER);
    stubFetch(routes);
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: PluginsControlCenter }] });
    await router.push('/plugins?tab=settings');
    const page = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
    await flushPromises();
    expect(page.find('[data-testid="trusted-key-list"]').exists()).toBe(true);
    expect(present(page)).toEqual([]);
    await router.push('/plugins?tab=store');
    await flushPromises();
    expect(page.find('[data-testid="store-results"]').exists()).toBe(true);
    expect(present(page)).toEqual([]);
  });

  it('shows them to an admin', async () => {
    setSession(ADMIN);
    stubFetch(routes);
    const settings = mount(SettingsTab, { attachTo: document.body });
    const keys = mount(TrustedKeysPanel, { attachTo: document.body });
    await flushPromises();
    expect(settings.find('[data-testid="users-panel"]').exists()).toBe(true);
    expect(settings.find('[data-testid="tokens-panel"]').exists()).toBe(true);
    expect(keys.find('[data-action="remove-key"]').exists()).toBe(true);
    expect(keys.find('[data-testid="add-trusted-key"]').exists()).toBe(true);
  });
});
