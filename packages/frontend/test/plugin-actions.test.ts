import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InstalledPlugin } from '../src/api/types.js';
import PluginActions from '../src/components/plugin/PluginActions.vue';
import { setSession } from '../src/composables/session.js';
import { toasts } from '../src/composables/toasts.js';
import { json, stubFetch } from './fetch-stub.js';

// A failed action is a toast, named by the plugin's display name; when the plugin is now in error
// for that reason the card or the details page shows the reason inline, so the toast does not repeat it.

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
  it('is one toast with the message, and nothing beside the buttons', async () => {
    setSession({ user: null, role: 'admin', auth: 'off' });
    stubFetch({
      '/api/v1/plugins': () => json({ plugins: [] }),
      '/api/v1/plugins/alpha/unload': () => json({ error: { code: 'INVALID_TRANSITION', message: 'cannot unload from discovered' } }, 409),
    });
    const actions = mount(PluginActions, { props: { plugin: { ...plugin, display_name: 'Alpha board' } }, attachTo: document.body });
    await actions.setProps({ plugin: { ...plugin, display_name: 'Alpha board', state: 'active' } });
    await actions.find('[data-action="unload"]').trigger('click');
    await flushPromises();
    expect(toasts.value.filter((toast) => toast.tone === 'error').map((toast) => toast.message)).toEqual([
      'Could not unload Alpha board: cannot unload from discovered',
    ]);
    expect(actions.find('[role="alert"]').exists()).toBe(false);
  });

  it('does not repeat the reason of a plugin now in error for it: the reason is shown inline once', async () => {
    setSession({ user: null, role: 'admin', auth: 'off' });
    const failed = { ...plugin, state: 'error', error: { reason: REASON, at: '2026-01-01T00:00:00Z' } };
    stubFetch({
      '/api/v1/plugins': () => json({ plugins: [failed], total: 1 }),
      '/api/v1/plugins/alpha/load': () =>
        json({ error: { code: 'LOAD_FAILED', message: `Plugin 'alpha' failed to load: ${REASON}` } }, 422),
    });
    const actions = mount(PluginActions, { props: { plugin }, attachTo: document.body });
    await actions.find('[data-action="load"]').trigger('click');
    await flushPromises();
    const messages = toasts.value.filter((toast) => toast.tone === 'error').map((toast) => toast.message);
    expect(messages).toEqual(['Could not load alpha: the plugin is in error, the reason is shown with it']);
    expect(messages.join()).not.toContain(REASON);
  });

  it('explains Unload and Disable where both are offered, when asked to', () => {
    setSession({ user: null, role: 'admin', auth: 'off' });
    stubFetch({});
    const actions = mount(PluginActions, { props: { plugin: { ...plugin, state: 'active' }, explain: true } });
    const hints = actions.find('[data-testid="operation-hints"]').text();
    expect(hints).toContain('Unload stops it until someone loads it again');
    expect(hints).toContain('until Enable, which puts it back as it was before');
    const quiet = mount(PluginActions, { props: { plugin: { ...plugin, state: 'active' } } });
    expect(quiet.find('[data-testid="operation-hints"]').exists()).toBe(false);
    expect(quiet.find('[data-action="disable"]').attributes('title')).toContain('keeps it stopped');
  });
});
