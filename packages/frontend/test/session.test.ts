import { flushPromises, mount } from '@vue/test-utils';
import type { AuthMe } from '@oko/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { get, onUnauthorized } from '../src/api/client.js';
import { allowed, installSessionGuard, safeNext, setSession, useSession } from '../src/composables/session.js';
import SignInPage from '../src/pages/SignInPage.vue';
import { json, stubFetch } from './fetch-stub.js';

afterEach(() => {
  vi.unstubAllGlobals();
  onUnauthorized(null);
  document.body.innerHTML = '';
});

const ADMIN: AuthMe = { user: 'root', role: 'admin', auth: 'on' };
const VIEWER: AuthMe = { user: 'vera', role: 'viewer', auth: 'on' };
const ANONYMOUS: AuthMe = { user: null, role: null, auth: 'on' };
const page = { template: '<div />' };

function appRouter(): Router {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: page },
      { path: '/plugins', name: 'plugins', component: page },
      { path: '/sign-in', name: 'sign-in', component: SignInPage },
      { path: '/setup', name: 'setup', component: page },
    ],
  });
  installSessionGuard(router);
  return router;
}

describe('can(role): the one decision on what the person may do', () => {
  it('lets an admin do everything and a viewer only what a viewer may', () => {
    expect(allowed(ADMIN, 'admin')).toBe(true);
    expect(allowed(ADMIN, 'viewer')).toBe(true);
    expect(allowed(VIEWER, 'viewer')).toBe(true);
    expect(allowed(VIEWER, 'admin')).toBe(false);
    expect(allowed(ANONYMOUS, 'viewer')).toBe(false);
  });

  it('treats everyone as admin with sign-in off, and nobody as anything before /auth/me answered', () => {
    expect(allowed({ user: null, role: null, auth: 'off' }, 'admin')).toBe(true);
    expect(allowed(null, 'viewer')).toBe(false);
    setSession(VIEWER);
    expect(useSession().can('admin')).toBe(false);
    setSession(ADMIN);
    expect(useSession().can('admin')).toBe(true);
  });

  it('only returns to a path inside the dashboard after sign-in', () => {
    expect(safeNext('/plugins?tab=store')).toBe('/plugins?tab=store');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/sign-in?next=/x')).toBe('/');
    expect(safeNext(undefined)).toBe('/');
  });
});

describe('the sign-in redirect', () => {
  it('sends a visitor who is not signed in to the sign-in page, keeping where they were going', async () => {
    setSession(null);
    stubFetch({ '/api/v1/auth/me': () => json(ANONYMOUS) });
    const router = appRouter();
    await router.push('/plugins?tab=store');
    expect(router.currentRoute.value.name).toBe('sign-in');
    expect(router.currentRoute.value.query.next).toBe('/plugins?tab=store');
  });

  it('sends everyone to the setup page while no admin exists', async () => {
    setSession(null);
    stubFetch({ '/api/v1/auth/me': () => json({ ...ANONYMOUS, setup_required: true }) });
    const router = appRouter();
    await router.push('/plugins');
    expect(router.currentRoute.value.name).toBe('setup');
  });

  it('turns any API call answered 401 into the sign-in page, remembering the page', async () => {
    setSession(ADMIN);
    stubFetch({
      '/api/v1/plugins': () => json({ error: { code: 'UNAUTHORIZED', message: 'Sign in first' } }, 401),
    });
    const router = appRouter();
    await router.push('/plugins?tab=installed');
    expect(router.currentRoute.value.name).toBe('plugins');
    await expect(get('/api/v1/plugins')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    await flushPromises();
    expect(router.currentRoute.value.name).toBe('sign-in');
    expect(router.currentRoute.value.query.next).toBe('/plugins?tab=installed');
    expect(useSession().user.value).toBeNull();
  });

  it('leaves a 403 alone: a viewer stays where they are and sees the error', async () => {
    setSession(VIEWER);
    stubFetch({ '/api/v1/plugins/x/load': () => json({ error: { code: 'FORBIDDEN', message: 'Needs the admin role' } }, 403) });
    const router = appRouter();
    await router.push('/plugins');
    await expect(get('/api/v1/plugins/x/load')).rejects.toMatchObject({ status: 403 });
    await flushPromises();
    expect(router.currentRoute.value.name).toBe('plugins');
  });
});

describe('SignInPage', () => {
  async function signInAt(path: string, answer: () => Response) {
    setSession(null);
    const { calls } = stubFetch({ '/api/v1/auth/me': () => json(ANONYMOUS), '/api/v1/auth/login': answer });
    const router = appRouter();
    await router.push(path);
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
    await flushPromises();
    await wrapper.find('input[name="username"]').setValue('root');
    await wrapper.find('input[name="password"]').setValue('correct horse battery');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    return { wrapper, router, calls };
  }

  it('signs in and goes back where the user was going', async () => {
    const { router } = await signInAt('/plugins?tab=settings', () => json(ADMIN));
    expect(router.currentRoute.value.fullPath).toBe('/plugins?tab=settings');
    expect(useSession().user.value).toBe('root');
  });

  it('shows the server message for a wrong password and stays on the page', async () => {
    const { wrapper, router } = await signInAt('/plugins', () =>
      json({ error: { code: 'UNAUTHORIZED', message: 'Wrong username or password' } }, 401),
    );
    expect(router.currentRoute.value.name).toBe('sign-in');
    expect(wrapper.find('[data-testid="sign-in-error"]').text()).toBe('Wrong username or password');
    expect((wrapper.find('input[name="password"]').element as HTMLInputElement).value).toBe('');
  });

  it('shows the rate-limit message, also when a proxy answers 429 without the error shape', async () => {
    const limited = await signInAt('/', () =>
      json({ error: { code: 'RATE_LIMITED', message: 'Too many sign-in attempts, retry in 60 s' } }, 429),
    );
    expect(limited.wrapper.find('[data-testid="sign-in-error"]').text()).toBe('Too many sign-in attempts, retry in 60 s');
    const bare = await signInAt('/', () => new Response('slow down', { status: 429 }));
    expect(bare.wrapper.find('[data-testid="sign-in-error"]').text()).toContain('Too many sign-in attempts');
  });
});
