import { flushPromises, mount } from '@vue/test-utils';
import type { PluginVersionState } from '@oko/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { InstalledPlugin, PluginDetails } from '../src/api/types.js';
import AppNavigation from '../src/components/app/AppNavigation.vue';
import InstalledPluginCard from '../src/components/plugin/InstalledPluginCard.vue';
import PluginActions from '../src/components/plugin/PluginActions.vue';
import UninstallDialog from '../src/components/plugin/UninstallDialog.vue';
import VersionsPanel from '../src/components/versions/VersionsPanel.vue';
import { useAvailableUpdates } from '../src/composables/available-updates.js';
import { useInstalledPlugins } from '../src/composables/installed-plugins.js';
import { setSession } from '../src/composables/session.js';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch, type Handler } from './fetch-stub.js';

// An installed plugin's versions: the updates badge, "Update to vX" with what's new, the details
// page's panel (roll back, pin, policy, last update, pending update, dependencies) and IN_USE.

afterEach(() => {
  vi.unstubAllGlobals();
  // Re-reads a test set off may still be on their way: they get a 404, never the real network.
  stubFetch({});
  vi.useRealTimers();
  toasts.value = [];
  document.body.innerHTML = '';
  useAvailableUpdates().updates.value = [];
  useAvailableUpdates().available.value = false;
  useAvailableUpdates().invalidate();
});

const NONE = { network: [], listen: false, env: [], read: [] };
const router = () => createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] });

const plugin: InstalledPlugin = {
  id: 'alpha',
  name: 'alpha',
  version: '1.0.0',
  description: '',
  state: 'active',
  scope: 'external',
  ui: { has_page: false, show_in_menu: false, api_prefix: 'alpha', widgets: 0 },
};
const versions = (extra: Partial<PluginVersionState> = {}): PluginVersionState => ({
  pinned: false,
  update_policy: 'manual',
  cached_versions: ['1.0.0', '0.9.0'],
  ...extra,
});
const details = (extra: Partial<PluginDetails> = {}): PluginDetails =>
  ({ ...plugin, routes: [], actions: [], issues: [], versions: versions(), ...extra }) as unknown as PluginDetails;

const update = {
  name: 'alpha',
  installed_version: '1.0.0',
  version: '1.2.0',
  id: 'id_1_2_0',
  pinned: false,
  update_policy: 'manual',
  added_permissions: [],
};
const version = (v: string, changelog: string | null) => ({
  id: `id_${v.replaceAll('.', '_')}`,
  version: v,
  created_at: '2026-11-01T10:00:00Z',
  size: 100,
  sha256: '0'.repeat(64),
  changelog,
  permissions: NONE,
  engines: null,
  dependencies: {},
  installed: v === '1.0.0',
  cached: v === '1.0.0',
});
const listing = {
  name: 'alpha',
  available: true,
  installed_version: '1.0.0',
  versions: [version('1.3.0', 'not yet'), version('1.2.0', 'Charts'), version('1.1.0', 'Faster'), version('1.0.0', 'First')],
};
const routes: Record<string, Handler> = {
  '/api/v1/plugins': () => json({ plugins: [plugin] }),
  '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
  '/api/v1/store/updates': () => json({ available: true, updates: [update] }),
  '/api/v1/store/alpha/versions': () => json(listing),
  '/api/v1/store/id_1_2_0': () => json({ id: 'id_1_2_0', name: 'alpha', version: '1.2.0', permissions: { ...NONE, listen: true } }),
  '/api/v1/plugins/alpha': () => json({ ...details(), permissions: { declared: NONE, granted: NONE, recorded: true } }),
  '/api/v1/trust/keys': () => json({ keys: [], policy: 'warn' }),
};
const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const lastBody = (fetchMock: ReturnType<typeof stubFetch>['fetchMock'], path: string) => {
  const sent = fetchMock.mock.calls.filter(([url]) => url === path).at(-1)?.[1];
  return sent?.body === undefined ? undefined : JSON.parse(String(sent.body));
};

describe('the count of available updates', () => {
  it('shows beside Plugins after the installed list is read, and hides when 0 or the store is down', async () => {
    let answer: unknown = { available: true, updates: [update] };
    const { calls } = stubFetch({ ...routes, '/api/v1/store/updates': () => json(answer) });
    const asked = () => calls.filter((path) => path === '/api/v1/store/updates').length;
    const nav = mount(AppNavigation, { global: { plugins: [router()] } });
    const reread = async (changed: boolean) => {
      if (changed) useAvailableUpdates().invalidate();
      await useInstalledPlugins().refresh();
      await flushPromises();
    };
    await reread(true);
    expect(nav.find('[data-testid="updates-badge"]').text()).toBe('1 update');
    // The installed list's next poll does not ask again so soon: each ask costs the store a request per plugin.
    await reread(false);
    expect(asked()).toBe(1);
    answer = { available: false, updates: [], reason: 'store down' };
    await reread(true);
    expect(nav.find('[data-testid="updates-badge"]').exists()).toBe(false);
    answer = { available: true, updates: [] };
    await reread(true);
    expect(nav.find('[data-testid="updates-badge"]').exists()).toBe(false);
    expect(asked()).toBe(3);
  });
});

describe('Update to vX on the Installed tab', () => {
  it("lists what's new since the installed version up to the target and what it adds, then updates with consent", async () => {
    const { fetchMock } = stubFetch({
      ...routes,
      '/api/v1/store/id_1_2_0/update': () =>
        json({
          status: 'updated',
          plugin: { id: 'alpha', name: 'alpha', version: '1.2.0', state: 'active', scope: 'external' },
          previous_version: '1.0.0',
          last_update: { from: '1.0.0', to: '1.2.0', at: '2026-11-30T10:00:00Z', result: 'watching' },
          message: 'Plugin alpha updated from 1.0.0 to 1.2.0; watched for 30 s',
        }),
    });
    await useAvailableUpdates().refresh();
    const wrapper = mount(InstalledPluginCard, { props: { plugin }, global: { plugins: [router()] }, attachTo: document.body });
    await wrapper.find('[data-action="update-to"]').trigger('click');
    await flushPromises();
    const news = [...document.querySelectorAll<HTMLElement>('[data-testid="whats-new"] li')].map((li) => li.dataset.version);
    expect(news).toEqual(['1.2.0', '1.1.0']);
    expect($('[data-testid="whats-new"]')!.textContent).toContain('Charts');
    expect($('[data-testid="permission-list"] li[data-added]')!.textContent).toContain('Listen on a port');
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(lastBody(fetchMock, '/api/v1/store/id_1_2_0/update')).toMatchObject({ accept_permissions: true });
    expect(toasts.value.at(-1)).toMatchObject({
      tone: 'info',
      message: expect.stringMatching(/^Updated alpha to v1\.2\.0: watching it for/),
    });
  });

  it('an update answered as rolled back is a warning with the reason', async () => {
    stubFetch({
      ...routes,
      '/api/v1/store/id_1_2_0/update': () =>
        json({
          status: 'updated',
          plugin: { id: 'alpha', name: 'alpha', version: '1.0.0', state: 'active', scope: 'external' },
          previous_version: '1.0.0',
          last_update: { from: '1.0.0', to: '1.2.0', at: '2026-11-30T10:00:00Z', result: 'rolled_back', reason: 'setup threw: boom' },
          message: 'Rolled back',
        }),
    });
    await useAvailableUpdates().refresh();
    const wrapper = mount(InstalledPluginCard, { props: { plugin }, global: { plugins: [router()] }, attachTo: document.body });
    await wrapper.find('[data-action="update-to"]').trigger('click');
    await flushPromises();
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(toasts.value.at(-1)).toMatchObject({ tone: 'warning', message: expect.stringContaining('rolled back: setup threw: boom') });
  });

  it('the Installed card says an update is being watched while its health window runs', () => {
    stubFetch(routes);
    const watched = {
      ...plugin,
      version: '1.2.0',
      versions: versions({ last_update: { from: '1.0.0', to: '1.2.0', at: '2026-11-30T10:00:00Z', result: 'watching' } }),
    };
    const card = mount(InstalledPluginCard, { props: { plugin: watched }, global: { plugins: [router()] } });
    expect(card.find('[data-testid="update-watching"]').text()).toContain('watching 1.2.0');
    const settled = { ...watched, versions: versions({ last_update: { ...watched.versions.last_update!, result: 'updated' } }) };
    expect(
      mount(InstalledPluginCard, { props: { plugin: settled }, global: { plugins: [router()] } })
        .find('[data-testid="update-watching"]')
        .exists(),
    ).toBe(false);
  });
});

describe('the Versions panel of the details page', () => {
  const mountPanel = (d: PluginDetails) =>
    mount(VersionsPanel, { props: { details: d }, global: { plugins: [router()] }, attachTo: document.body });

  it('rolls back to the previous kept version after a confirm that names it', async () => {
    const { calls } = stubFetch({
      ...routes,
      '/api/v1/plugins/alpha/rollback': () =>
        json({
          status: 'rolled_back',
          plugin: { id: 'alpha', name: 'alpha', version: '0.9.0', state: 'active' },
          from: '1.0.0',
          to: '0.9.0',
          message: 'alpha is back at 0.9.0',
        }),
    });
    const panel = mountPanel(details());
    await flushPromises();
    await panel.find('[data-action="rollback"]').trigger('click');
    expect($('[data-testid="rollback-dialog"]')!.textContent).toContain('v1.0.0 to v0.9.0');
    $<HTMLButtonElement>('[data-action="confirm-rollback"]')!.click();
    await flushPromises();
    expect(calls).toContain('/api/v1/plugins/alpha/rollback');
    expect(toasts.value.at(-1)?.message).toBe('alpha is back at 0.9.0');
  });

  it('disables Roll back with a reason when no earlier version is kept', async () => {
    stubFetch(routes);
    const panel = mountPanel(details({ versions: versions({ cached_versions: ['1.0.0'] }) }));
    expect(panel.find('[data-action="rollback"]').attributes('disabled')).toBeDefined();
    expect(panel.find('[data-testid="rollback-reason"]').text()).toContain('Nothing installed before v1.0.0 is kept');
  });

  it('pins, and sets the update policy, each with a line saying what it means', async () => {
    const settings = (v: PluginVersionState) => json({ plugin_id: 'alpha', versions: v, message: 'Saved' });
    const { calls, fetchMock } = stubFetch({
      ...routes,
      '/api/v1/plugins/alpha/pin': () => settings(versions({ pinned: true })),
      '/api/v1/plugins/alpha/update-policy': () => settings(versions({ update_policy: 'minor' })),
    });
    const panel = mountPanel(details());
    expect(panel.find('[data-testid="update-policy"]').text()).toMatch(/New features and fixes within \d+\.x/);
    await panel.find('[data-action="pin"]').trigger('click');
    await flushPromises();
    expect(calls).toContain('/api/v1/plugins/alpha/pin');
    await panel.find('input[data-policy="minor"]').trigger('change');
    await flushPromises();
    const sent = fetchMock.mock.calls.find(([url]) => url === '/api/v1/plugins/alpha/update-policy')?.[1];
    expect(sent?.method).toBe('PUT');
    expect(JSON.parse(String(sent?.body))).toEqual({ update_policy: 'minor' });
    // The toast names the option as the page does, not the policy's code name.
    expect(toasts.value.at(-1)?.message).toBe('Automatic updates of alpha: Minor releases');
  });

  it('says the pin holds the policy while the plugin is pinned', () => {
    stubFetch(routes);
    expect(mountPanel(details()).find('[data-testid="policy-held"]').exists()).toBe(false);
    expect(
      mountPanel(details({ versions: versions({ pinned: true }) }))
        .find('[data-testid="policy-held"]')
        .text(),
    ).toContain('Held by the pin');
  });

  it('says a rolled-back update with its reason, a pending update with what it adds, and the dependencies', async () => {
    stubFetch(routes);
    const panel = mountPanel(
      details({
        versions: versions({
          last_update: { from: '1.0.0', to: '1.2.0', at: '2026-11-30T10:00:00Z', result: 'rolled_back', reason: 'its host died' },
          pending_update: { version: '1.3.0', id: 'id_1_3_0', added_permissions: ['listen'] },
        }),
        dependencies: { chart_lib: '^1.2.0' },
        dependents: ['board'],
      }),
    );
    await flushPromises();
    expect(panel.find('[data-testid="last-update"]').text()).toContain('Update to 1.2.0 was rolled back: its host died');
    expect(panel.find('[data-testid="pending-update"]').text()).toContain('Listen on a port');
    expect(panel.find('[data-testid="dependencies"]').text()).toMatch(/Needs\s*chart_lib \^1\.2\.0\s*Used by\s*board/);
    expect(panel.find('[data-testid="version-history"]').exists()).toBe(true);
  });

  it('approving a pending update is an update with consent to its permissions', async () => {
    const { fetchMock } = stubFetch({
      ...routes,
      '/api/v1/store/id_1_3_0': () => json({ id: 'id_1_3_0', name: 'alpha', version: '1.3.0', permissions: { ...NONE, listen: true } }),
      '/api/v1/store/id_1_3_0/update': () =>
        json({
          status: 'updated',
          plugin: { id: 'alpha', name: 'alpha', version: '1.3.0', state: 'active', scope: 'external' },
          previous_version: '1.0.0',
          message: 'Updated',
        }),
    });
    const panel = mountPanel(
      details({ versions: versions({ pending_update: { version: '1.3.0', id: 'id_1_3_0', added_permissions: ['listen'] } }) }),
    );
    await panel.find('[data-action="approve-update"]').trigger('click');
    await flushPromises();
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(lastBody(fetchMock, '/api/v1/store/id_1_3_0/update')).toMatchObject({ accept_permissions: true });
  });

  it('shows a viewer the state but none of the controls', async () => {
    setSession({ user: 'vera', role: 'viewer', auth: 'on' });
    stubFetch(routes);
    await useAvailableUpdates().refresh();
    const panel = mountPanel(
      details({ versions: versions({ pending_update: { version: '1.3.0', id: 'id_1_3_0', added_permissions: [] } }) }),
    );
    await flushPromises();
    for (const action of ['rollback', 'pin', 'approve-update', 'update-to', 'switch-version']) {
      expect(panel.find(`[data-action="${action}"]`).exists(), action).toBe(false);
    }
    expect(panel.find('[data-testid="update-policy"]').exists()).toBe(false);
    expect(panel.text()).toContain('Update policy: Manual');
  });
});

describe('IN_USE', () => {
  it('an unload refused as IN_USE offers to stop the plugins that use it, and retries with ?force=true', async () => {
    const { calls } = stubFetch({
      ...routes,
      '/api/v1/plugins/alpha/unload': (_init, url) =>
        url.search === '?force=true'
          ? json({ ...details(), state: 'discovered' })
          : json({ error: { code: 'IN_USE', message: 'alpha is used by board; unload board first' } }, 409),
    });
    const actions = mount(PluginActions, { props: { plugin }, attachTo: document.body });
    await actions.find('[data-action="unload"]').trigger('click');
    await flushPromises();
    expect($('[data-testid="in-use-dialog"]')!.textContent).toContain('alpha is used by board');
    expect(toasts.value.filter((t) => t.tone === 'error')).toEqual([]);
    $<HTMLButtonElement>('[data-action="confirm-in-use"]')!.click();
    await flushPromises();
    expect(calls).toContain('/api/v1/plugins/alpha/unload?force=true');
  });

  it('an uninstall refused as IN_USE names the dependents, says what going on does, and offers to uninstall anyway', async () => {
    const { calls } = stubFetch({
      ...routes,
      '/api/v1/store/alpha/uninstall': (_init, url) =>
        url.search === '?force=true'
          ? json({ status: 'uninstalled', plugin: { id: 'alpha', name: 'alpha', version: '1.0.0' }, message: 'Uninstalled alpha' })
          : json({ error: { code: 'IN_USE', message: 'alpha is used by board', details: { dependents: ['board'] } } }, 409),
    });
    const dialog = mount(UninstallDialog, { props: { plugin }, attachTo: document.body });
    $<HTMLButtonElement>('[data-action="confirm-uninstall"]')!.click();
    await flushPromises();
    const alert = $('[role="alert"]')!.textContent!.replace(/\s+/g, ' ');
    expect(alert).toContain('board needs alpha. Uninstall board first, or uninstall alpha anyway');
    expect(alert).toContain('cannot load again until alpha is back');
    expect($('[data-action="confirm-uninstall"]')!.textContent!.trim()).toBe('Uninstall anyway');
    $<HTMLButtonElement>('[data-action="confirm-uninstall"]')!.click();
    await flushPromises();
    expect(calls).toContain('/api/v1/store/alpha/uninstall?force=true');
    expect(dialog.emitted('uninstalled')).toEqual([['alpha']]);
  });
});
