import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import type { RuntimeConfig } from '@oko/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import BasicSystemPanels from '../src/components/settings/BasicSystemPanels.vue';
import CustomBundlesPanel from '../src/components/settings/CustomBundlesPanel.vue';
import RuntimeConfigPanels from '../src/components/settings/RuntimeConfigPanels.vue';
import { setSession } from '../src/composables/session.js';
import { settings, settingsError } from '../src/lib/settings.js';
import { json, stubFetch } from './fetch-stub.js';

// Settings: the runtime configuration as GET /system/config answers it, and the kill switch as the
// backend keeps it: an admin turns it with PUT /system/settings, a viewer only sees it.

enableAutoUnmount(afterEach);
beforeEach(() => {
  settings.value = null;
  settingsError.value = null;
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const CONFIG: RuntimeConfig = {
  version: '0.16.0',
  node: 'v20.11.0',
  plugin_api_version: '1.0',
  store: {
    url: 'http://store.test/api/v1',
    available: false,
    response_time_ms: 3,
    reason: 'connection refused',
    token_configured: true,
    api_key_configured: false,
  },
  folders: { plugins_dir: '/srv/oko/plugins', builtin_plugins_dir: null, data_dir: '/srv/oko/data', trusted_keys_dir: '/etc/oko/keys' },
  limits: { OKO_PLUGIN_MEMORY_MB: 128, readme_image_max_mb: 2, OKO_MAX_UPLOAD_MB: 50, OKO_PLUGIN_CPU_LIMIT: null },
  policies: { signature_policy: 'warn', sign_in: true, update_check_interval_s: 3600, update_health_window_s: 60 },
  settings: { custom_bundles_enabled: true },
};

describe('Settings: runtime configuration and the kill switch', () => {
  it('shows the store with its health, the folders, the policies and every limit', async () => {
    stubFetch({ '/api/v1/system/config': () => json(CONFIG) });
    const wrapper = mount(RuntimeConfigPanels, { attachTo: document.body });
    await flushPromises();
    const store = wrapper.find('[data-testid="store-settings"]').text();
    expect(store).toContain('Unavailable');
    expect(store).toContain('connection refused');
    expect(store).toContain('Gave up after');
    expect(store).not.toContain('Answer time');
    expect(store).toContain('http://store.test/api/v1');
    expect(store).toContain('Set (OKO_STORE_TOKEN)');
    expect(wrapper.find('[data-testid="backend-settings"]').text()).toContain('/srv/oko/plugins');
    expect(wrapper.find('[data-testid="policy-settings"]').text()).toContain('every 60 min');
    const limits = wrapper.findAll('tr[data-limit]').map((row) => row.text());
    // A limit no variable sets is said in words, after the variables.
    expect(limits).toEqual(['OKO_MAX_UPLOAD_MB50', 'OKO_PLUGIN_CPU_LIMITnot set', 'OKO_PLUGIN_MEMORY_MB128', 'Largest README image (MB)2']);
  });

  it('shows a viewer what the store says of itself: degraded and why, refused writes, its database and bucket, its version', async () => {
    stubFetch({
      '/api/v1/info': () => json({ version: '0.16.0', plugins_dir: '/srv/oko/plugins', data_dir: '/srv/oko/data' }),
      '/api/v1/store/health': () =>
        json({
          available: true,
          url: 'http://store.test/api/v1',
          response_time_ms: 4,
          store: {
            version: '0.16.0',
            plugins_count: 1,
            status: 'degraded',
            reason: "this replica's PostgreSQL change feed is reconnecting",
            read_only: false,
            database: { reachable: true, change_feed: false },
            blob_store: { reachable: false },
          },
        }),
    });
    const wrapper = mount(BasicSystemPanels, { attachTo: document.body });
    await flushPromises();
    const fact = (id: string) => wrapper.find(`[data-testid="${id}"]`).text();
    expect(fact('store-status')).toBe('Degraded');
    // Plain words first, the store's own reason as the detail under them.
    expect(fact('store-status-reason')).toBe(
      "The store's package storage does not answer; downloads and installs fail. " +
        'The store is reconnecting to its other replicas; plugins published there may show late.',
    );
    expect(fact('store-status-detail')).toBe("The store says: this replica's PostgreSQL change feed is reconnecting");
    expect(fact('store-writes')).toContain('Accepted');
    expect(fact('store-database')).toContain("other replicas' changes arrive late");
    expect(fact('store-blob-store')).toContain('Unreachable');
    expect(fact('store-version')).toBe('0.16.0');
    expect(fact('store-catalog-size')).toBe('1 plugin version');
  });

  it("says a broken plugins.json in words, with the parser's message as the detail, and what still works", async () => {
    const reason = 'plugins.json is unreadable (not valid JSON: Unterminated string in JSON at position 38)';
    stubFetch({
      '/api/v1/info': () => json({ version: '0.16.0', plugins_dir: '/srv/oko/plugins', data_dir: '/srv/oko/data' }),
      '/api/v1/store/health': () =>
        json({
          available: true,
          url: 'http://store.test/api/v1',
          response_time_ms: 4,
          store: { version: '0.16.0', plugins_count: 12, status: 'degraded', reason, read_only: true },
        }),
    });
    const wrapper = mount(BasicSystemPanels, { attachTo: document.body });
    await flushPromises();
    const fact = (id: string) => wrapper.find(`[data-testid="${id}"]`).text();
    expect(fact('store-status-reason')).toBe(
      "The store's catalog could not be read in full; it serves what it could read until an operator repairs it.",
    );
    expect(fact('store-status-detail')).toBe(`The store says: ${reason}`);
    expect(fact('store-writes')).toContain('Installing still works; uploads, GitHub imports, deletions and reviews are refused.');
    expect(fact('store-catalog-size')).toBe('12 plugin versions');
  });

  it('says why an unavailable store does not answer once, and its URL once, in the URL row', async () => {
    stubFetch({
      '/api/v1/info': () => json({ version: '0.16.0', plugins_dir: '/srv/oko/plugins', data_dir: '/srv/oko/data' }),
      '/api/v1/store/health': () =>
        json({ available: false, url: 'http://store.test/api/v1', response_time_ms: 4, reason: 'Connection refused' }),
    });
    const wrapper = mount(BasicSystemPanels, { attachTo: document.body });
    await flushPromises();
    const panel = wrapper.find('[data-testid="store-settings"]').text();
    expect(wrapper.find('[data-testid="store-status-reason"]').text()).toBe('Connection refused');
    expect(panel.split('http://store.test/api/v1')).toHaveLength(2);
  });

  it("says why the configuration could not be read (the backend's message)", async () => {
    stubFetch({ '/api/v1/system/config': () => json({ error: { code: 'FORBIDDEN', message: 'admins only' } }, 403) });
    const wrapper = mount(RuntimeConfigPanels, { attachTo: document.body });
    await flushPromises();
    expect(wrapper.find('[data-testid="runtime-config-error"]').text()).toContain('admins only');
  });

  it('lets an admin turn custom bundles off for every browser (PUT), and shows the saved answer', async () => {
    setSession({ user: 'root', role: 'admin', auth: 'on' });
    const puts: unknown[] = [];
    stubFetch({
      '/api/v1/system/settings': (init) => {
        if (init?.method === 'PUT') {
          const body = JSON.parse(String(init.body)) as { custom_bundles_enabled: boolean };
          puts.push(body);
          return json(body);
        }
        return json({ custom_bundles_enabled: true });
      },
    });
    const wrapper = mount(CustomBundlesPanel, { attachTo: document.body });
    await flushPromises();
    const box = wrapper.find('[data-testid="custom-bundles-kill-switch"]');
    expect((box.element as HTMLInputElement).checked).toBe(false);
    expect(box.attributes('disabled')).toBeUndefined();
    (box.element as HTMLInputElement).checked = true;
    await box.trigger('change');
    await flushPromises();
    expect(puts).toEqual([{ custom_bundles_enabled: false }]);
    expect(settings.value).toEqual({ custom_bundles_enabled: false });
  });

  it('shows a viewer where the switch stands, read-only', async () => {
    setSession({ user: 'vera', role: 'viewer', auth: 'on' });
    stubFetch({ '/api/v1/system/settings': () => json({ custom_bundles_enabled: false }) });
    const wrapper = mount(CustomBundlesPanel, { attachTo: document.body });
    await flushPromises();
    const box = wrapper.find('[data-testid="custom-bundles-kill-switch"]');
    expect((box.element as HTMLInputElement).checked).toBe(true);
    expect(box.attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Only an admin can change it.');
  });
});
