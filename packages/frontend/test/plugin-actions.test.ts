import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InstalledPlugin } from '../src/api/types.js';
import PluginActions from '../src/components/plugin/PluginActions.vue';
import { setSession } from '../src/composables/session.js';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch } from './fetch-stub.js';

// A failed action is said once: beside the buttons, or by the card's error box when the plugin
// is now in error for that reason; never again in a toast.

afterEach(() => {
  vi.unstubAllGlobals();
  stubFetch({});
  toasts.value = [];
  document.body.innerHTML = '';
});

const REASON = "the plugin user 'nobody' cannot read /srv/plugins/alpha";
const plugin: InstalledPlugin = {
  id: 'alpha',
  name: 'alpha',
  version: '1.0.0',
  description: '',
  state: 'discovered',
  scope: 'external',
  ui: { has_page: false, show_in_menu: false, api_prefix: 'alpha', widgets: 0 },
};

describe('a failed plugin action', () => {
  it('is said beside the buttons without a toast, and left to the error box once the plugin is in error for it', async () => {
    setSession({ user: null, role: 'admin', auth: 'off' });
    stubFetch({
      '/api/v1/plugins': () => json({ plugins: [] }),
      '/api/v1/plugins/alpha/load': () =>
        json({ error: { code: 'LOAD_FAILED', message: `Plugin 'alpha' failed to load: ${REASON}` } }, 422),
    });
    const actions = mount(PluginActions, { props: { plugin }, attachTo: document.body });
    await actions.find('[data-action="load"]').trigger('click');
    await flushPromises();
    expect(actions.find('[role="alert"]').text()).toBe(`Load failed: Plugin 'alpha' failed to load: ${REASON}`);
    expect(toasts.value.filter((toast) => toast.tone === 'error')).toEqual([]);

    await actions.setProps({ plugin: { ...plugin, state: 'error', error: { reason: REASON } } as InstalledPlugin });
    expect(actions.find('[role="alert"]').exists()).toBe(false);
  });
});
