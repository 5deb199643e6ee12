import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import { pluginZip } from '../test-support/fixtures.js';
import { api, post, request, uploadZip } from '../test-support/http.js';
import { startBackend } from '../test-support/processes.js';
import type { RunningService } from '../test-support/service.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// Sign-in in Chromium against a real store and a backend with OKO_AUTH=on and an admin from
// OKO_ADMIN_PASSWORD: a wrong password shows the server's error, the admin signs in, sees the admin
// controls, Users and API tokens, and signs out; a viewer (created through the API) sees no install
// button. Screenshots of each screen at 1440 and 390 px.

const SOON = { timeout: 30_000 };
const ADMIN = { username: 'admin', password: 'e2e-admin-password' };
const VIEWER = { username: 'vera', password: 'e2e-viewer-password' };

let system: BrowserSystem;
let backend: RunningService;
let page: Page;

/** A full-page screenshot; `viewport` keeps what is scrolled into view (sticky bars would repeat in a full page). */
async function shot(name: string, viewport = false) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: !viewport });
}

/** Runs `look` at 1440 px, then again at 390 px (no sideways scrolling there), with screenshots of both. */
async function atBothWidths(name: string, look: (phone: boolean) => Promise<void>) {
  await look(false);
  await shot(name);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await look(true);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
    await shot(`${name}-phone`);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
}

/** The session cookie of `who`, signed in through the API. */
async function cookieOf(who: { username: string; password: string }): Promise<string> {
  const res = await post(`${api(backend)}/auth/login`, who);
  expect(res.status, await res.clone().text()).toBe(200);
  const cookie = res.headers.get('set-cookie');
  expect(cookie).toBeTruthy();
  return cookie!.split(';')[0]!;
}

async function signIn(who: { username: string; password: string }, next = '/plugins?tab=store') {
  await page.context().clearCookies();
  await page.goto(`${backend.url}${next}`);
  await page.waitForURL(/\/sign-in/, SOON);
  await page.locator('input[name="username"]').fill(who.username);
  await page.locator('input[name="password"]').fill(who.password);
  await page.locator('[data-action="sign-in"]').click();
}

beforeAll(async () => {
  system = await startBrowserSystem('e2e-auth', {
    prepare: async () => ({ OKO_AUTH: 'on', OKO_ADMIN_PASSWORD: ADMIN.password }),
  });
  ({ page, backend } = system);
  const zip = await pluginZip({ name: 'auth_probe', description: 'A plugin for the sign-in test' });
  const uploaded = await uploadZip(`${api(system.store)}/plugins/upload/zip`, zip, { filename: 'auth_probe.zip' });
  expect(uploaded.status, await uploaded.clone().text()).toBe(201);
  const created = await post(`${api(backend)}/auth/users`, { ...VIEWER, role: 'viewer' }, { cookie: await cookieOf(ADMIN) });
  expect(created.status, await created.clone().text()).toBeLessThan(300);
});

afterEach(() => {
  // A 401 answer is logged by Chromium as a failed resource, not a page error: none is expected.
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('sign-in in Chromium', () => {
  it('keeps an anonymous visitor out, and shows the error for a wrong password', async () => {
    const anonymous = await request(`${api(backend)}/plugins`);
    expect(anonymous.status).toBe(401);
    await signIn({ username: ADMIN.username, password: 'not-the-password' });
    const error = page.getByTestId('sign-in-error');
    await error.waitFor(SOON);
    expect((await error.textContent())?.trim().length).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot('auth-sign-in-error');
    await atBothWidths('auth-sign-in', async () => {
      await page.goto(`${backend.url}/sign-in`);
      await page.getByTestId('sign-in-form').waitFor(SOON);
    });
    await atBothWidths('auth-setup', async () => {
      await page.goto(`${backend.url}/setup?token=example`);
      await page.getByTestId('setup-form').waitFor(SOON);
    });
  });

  it('signs the admin in back where they were going, with the admin controls, Users and API tokens, then out', async () => {
    await signIn(ADMIN);
    await page.waitForURL(/\/plugins\?tab=store/, SOON);
    await page.locator('article.store-card[data-name="auth_probe"] [data-action="install"]').waitFor(SOON);
    expect(await page.locator('[data-action="open-upload-zip"]').count()).toBe(1);
    expect(await page.getByTestId('session-user').textContent()).toBe('admin');
    expect(await page.getByTestId('session-role').textContent()).toBe('admin');

    await page.goto(`${backend.url}/plugins?tab=settings`);
    const users = page.getByTestId('user-list');
    await users.locator('[data-user="vera"]').waitFor(SOON);
    await page.locator('input[name="token-name"]').fill('e2e-ci');
    await page.locator('[data-action="create-token"]').click();
    const secret = page.getByTestId('token-secret');
    await secret.waitFor(SOON);
    expect(await page.getByTestId('created-token').textContent()).toContain('you will not see it again');
    const token = await secret.inputValue();
    // The secret is on screen only until "Done": both widths without a reload.
    await page.getByTestId('created-token').scrollIntoViewIfNeeded();
    await shot('auth-token-created', true);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('created-token').scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('auth-token-created-phone', true);
    await page.setViewportSize({ width: 1440, height: 900 });
    const withToken = await request(`${api(backend)}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await withToken.json()) as { user: string }).user).toBe('admin');
    await atBothWidths('auth-settings-admin', async () => {
      await page.goto(`${backend.url}/plugins?tab=settings`);
      await page.getByTestId('token-list').waitFor(SOON);
    });
    await atBothWidths('auth-sidebar-admin', async (phone) => {
      await page.goto(`${backend.url}/plugins`);
      if (phone) await page.getByTestId('sidebar-menu-button').click();
      await page.getByTestId('sidebar-session').waitFor({ state: 'visible', ...SOON });
    });

    await page.locator('[data-action="sign-out"]').click();
    await page.waitForURL(/\/sign-in/, SOON);
    const after = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(after).toMatchObject({ user: null, auth: 'on' });
  });

  it('creates the first admin on the setup page opened from the URL the backend logged, signed in afterwards', async () => {
    // A second backend with sign-in on and no account: it serves only the setup page.
    const fresh = await startBackend({
      storeUrl: api(system.store),
      pluginsDir: path.join(system.root, 'setup-plugins'),
      dataDir: path.join(system.root, 'setup-data'),
      env: { OKO_AUTH: 'on' },
    });
    try {
      const link = await eventually(() => {
        const match = /(\/setup\?token=[\w-]+)/.exec(fresh.output());
        expect(match).not.toBeNull();
        return match![1]!;
      });
      await page.context().clearCookies();
      await page.goto(`${fresh.url}/plugins`);
      await page.waitForURL(/\/setup$/, SOON);
      await page.goto(`${fresh.url}${link}`);
      await page.locator('input[name="username"]').fill('owner');
      await page.locator('input[name="password"]').fill('first-admin-password');
      await page.locator('input[name="repeat"]').fill('first-admin-password');
      await page.locator('[data-action="create-admin"]').click();
      await page.getByTestId('session-user').waitFor(SOON);
      expect(await page.getByTestId('session-user').textContent()).toBe('owner');
      expect(new URL(page.url()).pathname).toBe('/');
    } finally {
      await page.context().clearCookies();
      await fresh.stop();
    }
  });

  it('shows a viewer no install, upload or lifecycle button, and no Users or API tokens', async () => {
    await signIn(VIEWER);
    await page.waitForURL(/\/plugins\?tab=store/, SOON);
    await page.locator('article.store-card[data-name="auth_probe"]').waitFor(SOON);
    expect(await page.getByTestId('session-role').textContent()).toBe('viewer');
    expect(await page.locator('[data-action="install"]').count()).toBe(0);
    expect(await page.locator('[data-action="open-upload-zip"]').count()).toBe(0);
    expect(await page.locator('[data-action="open-github-import"]').count()).toBe(0);
    await page.goto(`${backend.url}/plugins?tab=settings`);
    await page.getByTestId('auth-settings').waitFor(SOON);
    expect(await page.getByTestId('users-panel').count()).toBe(0);
    expect(await page.getByTestId('tokens-panel').count()).toBe(0);
    expect(await page.getByTestId('add-trusted-key').count()).toBe(0);
    await atBothWidths('auth-viewer-store', async () => {
      await page.goto(`${backend.url}/plugins?tab=store`);
      await page.locator('article.store-card[data-name="auth_probe"]').waitFor(SOON);
    });
  });
});
