import { flushPromises, mount } from '@vue/test-utils';
import type { StoreVersionView } from '@oko/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StorePlugin } from '../src/api/types.js';
import StorePluginCard from '../src/components/store/StorePluginCard.vue';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch, type Handler } from './fetch-stub.js';
import { withRouterLinks } from './router-stub.js';

// The store card's version history and the one install/update flow behind it: "N versions",
// changelogs as plain text, install of an older version, a switch back that says it is a
// downgrade, the dependency plan in the confirm dialog, and how a watched update is reported.

afterEach(() => {
  vi.unstubAllGlobals();
  // Re-reads a test set off may still be on their way: they get a 404, never the real network.
  stubFetch({});
  toasts.value = [];
  document.body.innerHTML = '';
});

const NONE = { network: [], listen: false, env: [], read: [] };

function version(v: string, extra: Partial<StoreVersionView> = {}): StoreVersionView {
  return {
    id: `id_${v.replaceAll('.', '_')}`,
    version: v,
    created_at: '2026-11-01T10:00:00Z',
    size: 2048,
    sha256: 'f'.repeat(64),
    changelog: `Changes of ${v}`,
    permissions: NONE,
    engines: null,
    dependencies: {},
    installed: false,
    cached: false,
    ...extra,
  };
}

const card = (extra: Partial<StorePlugin> = {}): StorePlugin => ({
  id: 'id_2_0_0',
  name: 'alpha',
  version: '2.0.0',
  description: 'A plugin',
  tags: [],
  installed: false,
  installed_version: null,
  installed_state: null,
  update_available: false,
  permissions: NONE,
  versions_count: 3,
  ...extra,
});

const lists: Record<string, Handler> = {
  '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
  '/api/v1/plugins': () => json({ plugins: [] }),
  '/api/v1/store/updates': () => json({ available: true, updates: [] }),
  '/api/v1/trust/keys': () => json({ keys: [], policy: 'warn' }),
};

const $ = <T extends Element = HTMLElement>(selector: string) => document.querySelector<T>(selector);
const $$ = (selector: string) => [...document.querySelectorAll<HTMLElement>(selector)];
const bodyOf = (fetchMock: ReturnType<typeof stubFetch>['fetchMock'], path: string) => {
  const sent = fetchMock.mock.calls.filter(([url]) => url === path).at(-1)?.[1];
  return sent?.body === undefined ? undefined : JSON.parse(String(sent.body));
};

async function openHistory(plugin: StorePlugin) {
  const wrapper = mount(StorePluginCard, { global: withRouterLinks, props: { plugin, storeAvailable: true }, attachTo: document.body });
  await wrapper.find('[data-action="version-history"]').trigger('click');
  await flushPromises();
  return wrapper;
}

describe('the store card and its version history', () => {
  it('says "N versions" only when there is more than one', () => {
    expect(
      mount(StorePluginCard, { global: withRouterLinks, props: { plugin: card(), storeAvailable: true } })
        .find('[data-action="version-history"]')
        .text(),
    ).toBe('3 versions');
    expect(
      mount(StorePluginCard, { global: withRouterLinks, props: { plugin: card({ versions_count: 1 }), storeAvailable: true } })
        .find('[data-action="version-history"]')
        .exists(),
    ).toBe(false);
  });

  it('lists every version newest first with date, size and the changelog as escaped text, and installs an older one', async () => {
    const tricky = '### Added\n- <img src=x onerror=alert(1)> charts\n- second line';
    const { fetchMock, calls } = stubFetch({
      ...lists,
      '/api/v1/store/alpha/versions': () =>
        json({
          name: 'alpha',
          available: true,
          installed_version: null,
          versions: [version('2.0.0', { changelog: tricky }), version('1.1.0', { changelog: null }), version('1.0.0')],
        }),
      '/api/v1/store/id_1_0_0/install': () =>
        json({
          status: 'installed',
          plugin: { id: 'alpha', name: 'alpha', version: '1.0.0', state: 'discovered', scope: 'external' },
          message: 'Plugin alpha installed successfully',
        }),
    });
    await openHistory(card());
    const rows = $$('[data-testid="version-history"] li.version');
    expect(rows.map((row) => row.dataset.version)).toEqual(['2.0.0', '1.1.0', '1.0.0']);
    expect(rows[0]!.textContent).toContain('2.0 KB');
    const changelog = rows[0]!.querySelector<HTMLElement>('[data-testid="changelog"]')!;
    // Headings and bullets are laid out, but every piece is text: the markup is shown, never parsed.
    expect(changelog.querySelector('.heading')!.textContent).toBe('Added');
    expect([...changelog.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      '<img src=x onerror=alert(1)> charts',
      'second line',
    ]);
    expect(changelog.querySelector('img')).toBeNull();
    expect(rows[1]!.textContent).toContain('No changelog for this version.');

    rows[2]!.querySelector<HTMLButtonElement>('[data-action="install-version"]')!.click();
    await flushPromises();
    expect($('[data-testid="permissions-dialog"]')?.dataset.mode).toBe('install');
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(calls).toContain('/api/v1/store/id_1_0_0/install');
    expect(bodyOf(fetchMock, '/api/v1/store/id_1_0_0/install')).toEqual({
      expect: expect.objectContaining({ name: 'alpha', version: '1.0.0' }),
    });
    // The backend's message does not name the version; the toast does.
    expect(toasts.value).toContainEqual(expect.objectContaining({ tone: 'success', message: 'alpha v1.0.0 installed' }));
  });

  it('marks the installed version, switches back only after a confirm that says it is a downgrade', async () => {
    const { fetchMock } = stubFetch({
      ...lists,
      '/api/v1/store/alpha/versions': () =>
        json({
          name: 'alpha',
          available: true,
          installed_version: '2.0.0',
          versions: [version('2.0.0', { installed: true, cached: true }), version('1.0.0', { cached: true })],
        }),
      '/api/v1/plugins/alpha': () => json({ id: 'alpha', permissions: { declared: NONE, granted: NONE, recorded: true } }),
      // The version's own entry: unsigned, which the dialog must say before the switch.
      '/api/v1/store/id_1_0_0': () => json({ ...card({ id: 'id_1_0_0', version: '1.0.0' }), signature: null }),
      '/api/v1/store/id_1_0_0/update': () =>
        json({
          status: 'updated',
          plugin: { id: 'alpha', name: 'alpha', version: '1.0.0', state: 'active', scope: 'external' },
          previous_version: '2.0.0',
          message: 'alpha moved to 1.0.0',
        }),
    });
    await openHistory(card({ installed: true, installed_version: '2.0.0' }));
    const installedRow = $('li.version[data-installed]')!;
    expect(installedRow.dataset.version).toBe('2.0.0');
    expect(installedRow.querySelector('[data-action]')).toBeNull();
    $<HTMLButtonElement>('li.version[data-version="1.0.0"] [data-action="switch-version"]')!.click();
    await flushPromises();
    expect($('[data-testid="downgrade-warning"]')!.textContent).toContain('downgrade');
    expect($('[data-testid="whats-new"]')).toBeNull();
    expect($('[data-action="confirm-permissions"]')!.textContent).toBe('Switch to v1.0.0');
    expect($('[data-testid="permissions-dialog"] .signature-line')!.textContent).toContain('Unsigned');
    expect($('[data-testid="signature-warning"]')).not.toBeNull();
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(bodyOf(fetchMock, '/api/v1/store/id_1_0_0/update')).toMatchObject({ accept_permissions: true, allow_downgrade: true });
    // A move back is reported as one, not as an update.
    expect(toasts.value.at(-1)).toMatchObject({ tone: 'success', message: 'alpha switched back to v1.0.0' });
  });

  it('says the store is unreachable and lists only the kept versions', async () => {
    stubFetch({
      ...lists,
      '/api/v1/store/alpha/versions': () =>
        json({
          name: 'alpha',
          available: false,
          reason: 'connect ECONNREFUSED',
          installed_version: null,
          versions: [version('1.0.0', { cached: true })],
        }),
    });
    await openHistory(card());
    expect($('[data-testid="history-store-down"]')!.textContent).toContain('only the versions kept on this dashboard are listed');
    expect($<HTMLButtonElement>('[data-action="install-version"]')!.disabled).toBe(false);
  });
});

describe('dependencies at install', () => {
  it('shows the plan of DEPENDENCIES_REQUIRED in the confirm dialog and retries with accept_dependencies', async () => {
    const plan = {
      install: [
        {
          name: 'chart_lib',
          version: '1.3.0',
          id: 'c0ffee000001',
          permissions: { ...NONE, network: ['cdn.example.com:443'] },
          required_by: ['alpha@^1.2.0'],
        },
      ],
    };
    let attempts = 0;
    const { fetchMock } = stubFetch({
      ...lists,
      '/api/v1/store/id_2_0_0/install': () =>
        ++attempts === 1
          ? json({ error: { code: 'DEPENDENCIES_REQUIRED', message: 'alpha needs chart_lib', details: plan } }, 409)
          : json({
              status: 'installed',
              plugin: { id: 'alpha', name: 'alpha', version: '2.0.0', state: 'discovered', scope: 'external' },
              dependencies_installed: [{ id: 'chart_lib', name: 'chart_lib', version: '1.3.0', state: 'discovered', scope: 'external' }],
              message: 'Installed alpha 2.0.0',
            }),
      // The store card's Install ends with the plugin running: the load follows the install.
      '/api/v1/plugins/alpha/load': () => json({ id: 'alpha', name: 'alpha', state: 'active' }),
    });
    const wrapper = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: card(), storeAvailable: true },
      attachTo: document.body,
    });
    await wrapper.find('[data-action="install"]').trigger('click');
    await flushPromises();
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    const shown = $('[data-testid="dependency-plan"]')!.textContent!;
    expect(shown).toContain('Installing alpha also installs:');
    expect(shown).toContain('chart_lib 1.3.0 (permissions: Connect to cdn.example.com:443), required by alpha ^1.2.0');
    expect(toasts.value.filter((t) => t.tone === 'error')).toEqual([]);
    expect($('[data-action="confirm-permissions"]')!.textContent).toBe('Install all');
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(bodyOf(fetchMock, '/api/v1/store/id_2_0_0/install')).toMatchObject({ accept_dependencies: true });
    expect(fetchMock.mock.calls.map(([url]) => url)).toContain('/api/v1/plugins/alpha/load');
    expect(toasts.value.at(-1)?.message).toBe('alpha is installed and running (also installed: chart_lib 1.3.0)');
  });

  it('reads other refusals (DEPENDENCY_CONFLICT, INCOMPATIBLE) as the backend wrote them', async () => {
    const message = 'alpha 2.0.0 needs chart_lib ^2.0.0, but board 1.0.0 needs chart_lib ^1.2.0';
    stubFetch({ ...lists, '/api/v1/store/id_2_0_0/install': () => json({ error: { code: 'DEPENDENCY_CONFLICT', message } }, 409) });
    const wrapper = mount(StorePluginCard, {
      global: withRouterLinks,
      props: { plugin: card(), storeAvailable: true },
      attachTo: document.body,
    });
    await wrapper.find('[data-action="install"]').trigger('click');
    await flushPromises();
    $<HTMLButtonElement>('[data-action="confirm-permissions"]')!.click();
    await flushPromises();
    expect(wrapper.find('.install-error').text()).toBe(message);
    expect($('[data-testid="permissions-dialog"]')).toBeNull();
  });
});

describe('the history follows an install made elsewhere on the page', () => {
  it('re-reads when the installed version it is given changes: the version just installed is marked, not offered', async () => {
    const { default: VersionHistory } = await import('../src/components/versions/VersionHistory.vue');
    let installedVersion: string | null = null;
    stubFetch({
      '/api/v1/store/alpha/versions': () =>
        json({
          name: 'alpha',
          available: true,
          installed_version: installedVersion,
          versions: [version('1.0.0', { installed: installedVersion === '1.0.0' })],
        }),
    });
    const history = mount(VersionHistory, { props: { name: 'alpha', installedVersion: null }, attachTo: document.body });
    await flushPromises();
    expect(history.find('[data-action="install-version"]').exists()).toBe(true);
    installedVersion = '1.0.0';
    await history.setProps({ installedVersion: '1.0.0' });
    await flushPromises();
    expect(history.find('[data-testid="installed-version"]').exists()).toBe(true);
    expect(history.find('[data-action="install-version"]').exists()).toBe(false);
    history.unmount();
  });
});
