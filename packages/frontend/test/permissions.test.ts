import { flushPromises, mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PluginDetails } from '../src/api/types.js';
import PluginPermissionsPanel from '../src/components/plugin/PluginPermissionsPanel.vue';
import GithubImportDialog from '../src/components/store/GithubImportDialog.vue';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch } from './fetch-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
  document.body.innerHTML = '';
});

const NONE = { network: [], listen: false, env: [], read: [] };

function details(permissions: PluginDetails['permissions']): PluginDetails {
  return { id: 'gh_watch', name: 'gh_watch', permissions } as PluginDetails;
}

describe('PluginPermissionsPanel', () => {
  it('shows the granted set in words and what is declared but not granted', () => {
    const panel = mount(PluginPermissionsPanel, {
      props: {
        details: details({
          declared: { ...NONE, network: ['api.github.com:443', '*'] },
          granted: { ...NONE, network: ['api.github.com:443'] },
          recorded: true,
        }),
      },
    });
    expect(panel.find('[data-testid="granted-permissions"]').text()).toBe('Connect to api.github.com:443');
    expect(panel.find('[data-testid="withheld-permissions"]').text()).toBe('Connect to any host on any port');
    expect(panel.find('[data-testid="plugin-env"]').exists()).toBe(false);
  });

  it('sends env values, empties the inputs and shows only whether each is set', async () => {
    let sent: unknown;
    let set = false;
    const { calls } = stubFetch({
      '/api/v1/plugins/gh_watch/env': (init) => {
        if (init?.method === 'PUT') {
          sent = JSON.parse(String(init.body));
          set = true;
        }
        return json({ plugin_id: 'gh_watch', variables: [{ name: 'GH_TOKEN', set }], message: "Values apply on the plugin's next load" });
      },
    });
    const env = { ...NONE, env: ['GH_TOKEN'] };
    const panel = mount(PluginPermissionsPanel, { props: { details: details({ declared: env, granted: env, recorded: false }) } });
    await flushPromises();
    expect(calls).toContain('/api/v1/plugins/gh_watch/env');
    expect(panel.text()).toContain('No grant was recorded');
    const input = panel.find<HTMLInputElement>('input[data-env="GH_TOKEN"]');
    expect(input.attributes('type')).toBe('password');
    expect(input.attributes('placeholder')).toBe('not set');
    await input.setValue('s3cret');
    await panel.find('form').trigger('submit');
    await flushPromises();
    expect(sent).toEqual({ values: { GH_TOKEN: 's3cret' } });
    expect(input.element.value).toBe('');
    expect(input.attributes('placeholder')).toContain('set (type to replace)');
    expect(panel.find('[role="status"]').text()).toContain('next load');
    expect(panel.html()).not.toContain('s3cret');
  });
});

describe('store upload warnings', () => {
  it('shows each warning of the store answer as a toast', async () => {
    stubFetch({
      '/api/v1/store/upload/github': () =>
        json(
          {
            success: true,
            plugin_id: 'abc123abc123',
            message: 'Imported legacy 1.0.0',
            plugin: { id: 'abc123abc123', name: 'legacy', version: '1.0.0' },
            warnings: ['ui.yaml: required_permissions: deprecated and ignored'],
          },
          201,
        ),
      '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
    });
    mount(GithubImportDialog, { props: { open: true }, attachTo: document.body });
    await nextTick();
    const input = document.querySelector<HTMLInputElement>('[role="dialog"] input[name="repo_url"]')!;
    input.value = 'https://github.com/acme/legacy';
    input.dispatchEvent(new Event('input'));
    document.querySelector<HTMLFormElement>('#github-import-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await flushPromises();
    expect(toasts.value.map((toast) => toast.message)).toContain('Warning: ui.yaml: required_permissions: deprecated and ignored');
  });
});
