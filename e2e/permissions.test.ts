import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { listDir, pluginZip } from '../test-support/fixtures.js';
import { api, getJson, post, uploadZip } from '../test-support/http.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// The permission dialogs in Chromium against a real store and backend: install asks first and
// cancel installs nothing; an update names what it adds and grants it only when confirmed; the
// plugin details show the grant and take env values without ever showing them back.

const SOON = { timeout: 30_000 };

let pluginsDir: string;
let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;

interface Permissions {
  network?: string[];
  listen?: boolean;
  env?: string[];
  read?: string[];
}

/** Uploads `name` at `version` declaring `permissions`; answers its catalog id. */
async function publish(name: string, version: string, permissions?: Permissions): Promise<string> {
  const manifest = { name, version, description: `Permission fixture ${name}`, author: 'OKO QA', capabilities: [], permissions };
  const zip = await pluginZip({ name, version, files: { 'manifest.json': JSON.stringify(manifest) } });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: `${name}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

const storeCard = (name: string) => page.locator(`article.store-card[data-name="${name}"]`);
const dialog = () => page.getByTestId('permissions-dialog');

async function shot(name: string) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The store tab searched for `name`; the card of catalog entry `storeId` when given (one card per version). */
async function openStoreCard(name: string, storeId?: string) {
  await page.goto(`${backend.url}/plugins?tab=store`);
  await page.getByTestId('store-search').fill(name);
  const card = storeId ? page.locator(`article.store-card[data-store-plugin="${storeId}"]`) : storeCard(name);
  await card.waitFor(SOON);
  return card;
}

beforeAll(async () => {
  system = await startBrowserSystem('e2e-permissions');
  ({ page, store, backend, pluginsDir } = system);
});

afterEach(() => {
  // Every test answers for the errors its own page raised.
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('permission dialogs in Chromium', () => {
  it('install lists the permissions in words; cancel installs nothing, confirm installs', async () => {
    await publish('gh_watch', '1.0.0', { network: ['api.github.com:443'], read: ['/proc'], env: ['GH_WATCH_TOKEN'] });
    const card = await openStoreCard('gh_watch');
    await card.locator('[data-action="install"]').click();
    await dialog().waitFor(SOON);
    const lines = await page.getByTestId('permission-list').locator('li').allTextContents();
    expect(lines.map((line) => line.trim())).toEqual(['Connect to api.github.com:443', 'Use the setting GH_WATCH_TOKEN', 'Read /proc']);
    await shot('permissions-install');

    await page.locator('[data-action="cancel-permissions"]').click();
    await dialog().waitFor({ state: 'hidden', ...SOON });
    expect((await getJson(`${api(backend)}/plugins/gh_watch`)).status).toBe(404);
    expect(await listDir(pluginsDir)).not.toContain('gh_watch');

    await card.locator('[data-action="install"]').click();
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
    const details = (await getJson<{ permissions: { granted: Permissions } }>(`${api(backend)}/plugins/gh_watch`)).body;
    expect(details.permissions.granted).toEqual({
      network: ['api.github.com:443'],
      listen: false,
      env: ['GH_WATCH_TOKEN'],
      read: ['/proc'],
    });
  });

  it('a plugin that asks for nothing says so in the same dialog', async () => {
    await publish('plain_pad', '1.0.0');
    const card = await openStoreCard('plain_pad');
    await card.locator('[data-action="install"]').click();
    await page.getByTestId('no-permissions').waitFor(SOON);
    expect(await page.getByTestId('no-permissions').textContent()).toContain('needs no special permissions');
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
  });

  it('update highlights what the new version adds and grants it only when confirmed', async () => {
    const v1 = await publish('up_probe', '1.0.0', { network: ['api.example.com:443'] });
    expect((await post(`${api(backend)}/store/${v1}/install`)).status).toBe(200);
    const v2 = await publish('up_probe', '2.0.0', { network: ['api.example.com:443', '127.0.0.1:*'], listen: true });
    const card = await openStoreCard('up_probe', v2);
    await card.locator('[data-action="update"]').click();
    await dialog().waitFor(SOON);
    const added = await page.locator('[data-testid="permission-list"] li[data-added]').allTextContents();
    expect(added.map((line) => line.replace(/\s*new$/i, '').trim())).toEqual(['Connect to 127.0.0.1 on any port', 'Listen on a port']);
    await shot('permissions-update');
    await page.locator('[data-action="cancel-permissions"]').click();
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/up_probe`)).body.version).toBe('1.0.0');

    await card.locator('[data-action="update"]').click();
    await page.locator('[data-action="confirm-permissions"]').click();
    await expect
      .poll(async () => (await getJson<{ version: string }>(`${api(backend)}/plugins/up_probe`)).body.version, SOON)
      .toBe('2.0.0');
    const details = (await getJson<{ permissions: { granted: Permissions } }>(`${api(backend)}/plugins/up_probe`)).body;
    expect(details.permissions.granted.listen).toBe(true);
  });

  it('the details page shows the grant and takes env values without showing them back, at 1440 and 390 px', async () => {
    const id = await publish('env_board', '1.0.0', { network: ['api.github.com:443'], env: ['ENV_BOARD_TOKEN'] });
    expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);
    await page.goto(`${backend.url}/plugins/env_board`);
    const panel = page.getByTestId('plugin-permissions');
    await panel.waitFor(SOON);
    expect(await page.getByTestId('granted-permissions').textContent()).toContain('Connect to api.github.com:443');
    const input = page.locator('input[data-env="ENV_BOARD_TOKEN"]');
    await input.fill('very-secret-value');
    await page.locator('[data-action="save-env"]').click();
    await panel.getByRole('status').waitFor(SOON);
    expect(await panel.getByRole('status').textContent()).toContain('next load');
    expect(await input.inputValue()).toBe('');
    expect(await input.getAttribute('placeholder')).toContain('set');
    expect(await page.content()).not.toContain('very-secret-value');
    await panel.scrollIntoViewIfNeeded();
    await shot('permissions-details');

    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload();
      await panel.waitFor(SOON);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, 'the page scrolls sideways at 390 px').toBeLessThanOrEqual(390);
      await panel.scrollIntoViewIfNeeded();
      await shot('permissions-details-phone');
      await page.goto(`${backend.url}/plugins?tab=store`);
      await publish('phone_probe', '1.0.0', {
        network: ['*.very-long-subdomain-name.example.com:8443'],
        read: ['/var/lib/some/long/path'],
      });
      const card = await openStoreCard('phone_probe');
      await card.locator('[data-action="install"]').click();
      await dialog().waitFor(SOON);
      const box = (await dialog().boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      await shot('permissions-install-phone');
      await page.locator('[data-action="cancel-permissions"]').click();
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
});
