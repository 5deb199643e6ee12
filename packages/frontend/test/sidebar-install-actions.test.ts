import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import GithubImportDialog from '../src/components/store/GithubImportDialog.vue';
import { toasts } from '../src/composables/toasts.js';
import PageSidebarActions from '../src/page-renderer/PageSidebarActions.vue';
import { json, stubFetch } from './fetch-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
  document.body.innerHTML = '';
});

const router = () => createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { template: '<div />' } }] });

describe('PageSidebarActions: page.sidebarActions as sidebar buttons', () => {
  const actions = [
    { id: 'probe', title: 'Probe now', capability: 'exec.net_scan.probe' },
    { id: 'home', title: 'Home', route: '/' },
  ];
  const mountActions = () =>
    mount(PageSidebarActions, {
      props: { actions, context: { pluginId: 'net_scan', apiPrefix: 'net-scan' } } as never,
      global: { plugins: [router()] },
      attachTo: document.body,
    });

  it('draws one button per action in a labelled group', () => {
    stubFetch({});
    const wrapper = mountActions();
    const buttons = wrapper.findAll('[role="group"] button');
    expect(buttons.map((b) => [b.attributes('type'), b.text()])).toEqual([
      ['button', 'Probe now'],
      ['button', 'Home'],
    ]);
  });

  it('runs the action its capability names through the action gateway', async () => {
    let body: unknown;
    stubFetch({
      '/api/v1/actions/execute': (init) => {
        body = JSON.parse(String(init?.body));
        return json({ type: 'net_scan.probe', plugin_id: 'net_scan', result: {}, executed_at: '', duration_ms: 1 });
      },
    });
    const wrapper = mountActions();
    await wrapper.find('[data-page-action="probe"]').trigger('click');
    await flushPromises();
    expect(body).toEqual({ type: 'net_scan.probe', capability: 'exec.net_scan.probe', payload: {} });
    expect(toasts.value.map((t) => t.message)).toContain('Probe now done');
  });

  it('shows the error message of a failed action beside the buttons', async () => {
    stubFetch({
      '/api/v1/actions/execute': () =>
        json({ error: { code: 'ACTION_NOT_FOUND', message: 'No active plugin handles net_scan.probe' } }, 404),
    });
    const wrapper = mountActions();
    await wrapper.find('[data-page-action="probe"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toBe('Probe now failed: No active plugin handles net_scan.probe');
  });
});

describe('GithubImportDialog: import from GitHub through the backend', () => {
  async function openDialog() {
    const wrapper = mount(GithubImportDialog, { props: { open: true }, attachTo: document.body });
    await nextTick();
    const input = (name: string) => document.querySelector<HTMLInputElement>(`[role="dialog"] input[name="${name}"]`)!;
    const fill = (name: string, value: string) => {
      input(name).value = value;
      input(name).dispatchEvent(new Event('input'));
    };
    const submit = async () => {
      document.querySelector<HTMLFormElement>('#github-import-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
      await flushPromises();
    };
    return { wrapper, fill, submit };
  }

  it('posts repo URL, branch and subdirectory to the backend, then closes', async () => {
    let body: unknown;
    stubFetch({
      '/api/v1/store/upload/github': (init) => {
        body = JSON.parse(String(init?.body));
        return json({ success: true, plugin_id: 'abc123abc123', message: 'Imported net_scan 1.0.0', plugin: { name: 'net_scan' } }, 201);
      },
      '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
    });
    const { wrapper, fill, submit } = await openDialog();
    fill('repo_url', ' https://github.com/acme/plugins ');
    fill('branch', 'main');
    fill('subdirectory', 'net_scan');
    await submit();
    expect(body).toEqual({ repo_url: 'https://github.com/acme/plugins', branch: 'main', subdirectory: 'net_scan' });
    expect(wrapper.emitted('close')).toHaveLength(1);
    expect(toasts.value.map((t) => t.message)).toContain('Imported net_scan 1.0.0');
  });

  it('leaves empty optional fields out, so the store takes the default branch and the root', async () => {
    let body: unknown;
    stubFetch({
      '/api/v1/store/upload/github': (init) => {
        body = JSON.parse(String(init?.body));
        return json({ success: true, plugin_id: 'abc123abc123', message: 'ok', plugin: { name: 'x' } }, 201);
      },
      '/api/v1/store': () => json({ available: true, plugins: [], total: 0, page: 1, per_page: 24 }),
    });
    const { fill, submit } = await openDialog();
    fill('repo_url', 'https://github.com/acme/one');
    await submit();
    expect(body).toEqual({ repo_url: 'https://github.com/acme/one' });
  });

  it("shows the store's refusal in the dialog and stays open", async () => {
    stubFetch({
      '/api/v1/store/upload/github': () => json({ error: { code: 'GITHUB_NOT_FOUND', message: 'Branch nope not found in acme/one' } }, 404),
    });
    const { wrapper, fill, submit } = await openDialog();
    fill('repo_url', 'https://github.com/acme/one');
    fill('branch', 'nope');
    await submit();
    expect(document.querySelector('[role="dialog"] [role="alert"]')?.textContent).toBe('Branch nope not found in acme/one');
    expect(wrapper.emitted('close')).toBeUndefined();
    expect(toasts.value.map((t) => t.message)).toContain('GitHub import failed: Branch nope not found in acme/one');
  });
});
