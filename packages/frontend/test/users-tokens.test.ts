import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TokensPanel from '../src/components/settings/TokensPanel.vue';
import UsersPanel from '../src/components/settings/UsersPanel.vue';
import { setSession } from '../src/composables/session.js';
import { toasts } from '../src/composables/toasts.js';
import SettingsTab from '../src/pages/control-center/SettingsTab.vue';
import { json, stubFetch } from './fetch-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
  document.body.innerHTML = '';
});

const ROOT = { username: 'root', role: 'admin', created_at: '2026-01-01T00:00:00Z' };

describe('Settings → Users', () => {
  it('adds a user with the chosen role and lists it', async () => {
    const users = [ROOT];
    let sent: unknown;
    stubFetch({
      '/api/v1/auth/users': (init) => {
        if (init?.method === 'POST') {
          sent = JSON.parse(String(init.body));
          users.push({ username: 'vera', role: 'viewer', created_at: '2026-01-02T00:00:00Z' });
          return json(users[1], 201);
        }
        return json({ users });
      },
    });
    setSession({ user: 'root', role: 'admin', auth: 'on' });
    const panel = mount(UsersPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('input[name="new-username"]').setValue('vera');
    await panel.find('input[name="new-password"]').setValue('a long password');
    await panel.find('select[name="role"]').setValue('viewer');
    await panel.find('[data-testid="add-user"]').trigger('submit');
    await flushPromises();
    expect(sent).toEqual({ username: 'vera', password: 'a long password', role: 'viewer' });
    expect(panel.findAll('[data-user]').map((li) => li.attributes('data-user'))).toEqual(['root', 'vera']);
  });

  it("shows the server's message when the last admin cannot be deleted", async () => {
    stubFetch({
      '/api/v1/auth/users': () => json({ users: [ROOT] }),
      '/api/v1/auth/users/root': () =>
        json({ error: { code: 'LAST_ADMIN', message: 'root is the last admin and cannot be deleted' } }, 409),
    });
    const panel = mount(UsersPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('[data-action="delete-user"]').trigger('click');
    await flushPromises();
    document.querySelector<HTMLButtonElement>('[data-action="confirm-delete-user"]')!.click();
    await flushPromises();
    expect(document.querySelector('[data-testid="delete-user-error"]')?.textContent).toBe('root is the last admin and cannot be deleted');
  });
});

describe('Settings → API tokens', () => {
  it('shows a new token once, with a copy button and a warning, and lists it without the secret', async () => {
    const tokens: unknown[] = [];
    stubFetch({
      '/api/v1/auth/tokens': (init) => {
        if (init?.method === 'POST') {
          tokens.push({ id: 't1', name: 'ci', user: 'root', created_at: '2026-01-01T00:00:00Z' });
          return json({ id: 't1', name: 'ci', token: 'oko_secret_123' }, 201);
        }
        return json({ tokens });
      },
    });
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const panel = mount(TokensPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('input[name="token-name"]').setValue('ci');
    await panel.find('[data-testid="create-token"]').trigger('submit');
    await flushPromises();
    const shown = panel.find('[data-testid="created-token"]');
    expect(shown.text()).toContain('you will not see it again');
    expect((panel.find('[data-testid="token-secret"]').element as HTMLInputElement).value).toBe('oko_secret_123');
    await panel.find('[data-action="copy-token"]').trigger('click');
    await flushPromises();
    expect(writeText).toHaveBeenCalledWith('oko_secret_123');
    expect(panel.find('[data-token-id="t1"]').text()).not.toContain('oko_secret_123');
    await panel.find('[data-action="token-done"]').trigger('click');
    expect(panel.html()).not.toContain('oko_secret_123');
  });

  it('revokes a token and re-reads the list', async () => {
    let tokens = [{ id: 't1', name: 'ci', user: 'root', created_at: '2026-01-01T00:00:00Z' }];
    const { calls } = stubFetch({
      '/api/v1/auth/tokens': () => json({ tokens }),
      '/api/v1/auth/tokens/t1': () => {
        tokens = [];
        return new Response(null, { status: 204 });
      },
    });
    const panel = mount(TokensPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('[data-action="revoke-token"]').trigger('click');
    await flushPromises();
    document.querySelector<HTMLButtonElement>('[data-action="confirm-revoke-token"]')!.click();
    await flushPromises();
    expect(calls).toContain('/api/v1/auth/tokens/t1');
    expect(panel.find('[data-testid="no-tokens"]').exists()).toBe(true);
  });
});

describe('Settings with sign-in off', () => {
  it("says so with the backend's notice, and a loud banner only for the non-loopback warning", async () => {
    stubFetch({});
    setSession({ user: null, role: null, auth: 'off', notice: 'Sign-in is off: loopback only and no account exists.' });
    const quiet = mount(SettingsTab);
    await flushPromises();
    expect(quiet.find('[data-testid="auth-notice"]').text()).toContain('loopback only');
    expect(quiet.find('[data-testid="auth-warning"]').exists()).toBe(false);
    // Users is how sign-in gets turned on; an API token needs an account to act as.
    expect(quiet.find('[data-testid="users-panel"]').exists()).toBe(true);
    expect(quiet.find('[data-testid="tokens-panel"]').exists()).toBe(false);
    setSession({
      user: null,
      role: null,
      auth: 'off',
      unsafe: true,
      notice: 'WARNING: sign-in is off while the backend listens on 0.0.0.0',
    });
    const loud = mount(SettingsTab);
    await flushPromises();
    expect(loud.find('[data-testid="auth-warning"]').text()).toContain('listens on 0.0.0.0');
  });
});
