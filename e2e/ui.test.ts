import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { eventually } from '../test-support/eventually.js';
import { listDir, type PluginFixture } from '../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../test-support/http.js';
import { startStore } from '../test-support/processes.js';
import { BROKEN, CUSTOM_DEMO, DISK_REPORT, fixtureZip, LAN_WATCH, uniqueFixture, WEATHER, type FixtureTemplate } from './ui-fixtures.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// The web UI in headless Chromium against a real store and a real backend serving the built
// frontend: what a person does in the plugin control center, end to end, with a screenshot of
// each main screen in test-output/screenshots. The processes and the browser are shared (starting
// them is the slow part); each test publishes, installs and loads its own plugins through the
// HTTP API first, so any test runs alone or in any order.

// Polls run every 3-5 s; a busy shared machine gets generous room on top.
const SOON = { timeout: 30_000 };
// The frontend's own value (STORE_PAGE_SIZE in composables/store-catalog.ts), written out so this
// file does not load the Vue app's modules.
const STORE_PAGE_SIZE = 24;

let root: string;
let storageDir: string;
let pluginsDir: string;
let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;

async function shot(name: string) {
  await page.waitForTimeout(300); // let transitions settle so the picture is what a person sees
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const installedCard = (id: string) => page.locator(`article.installed-card[data-plugin="${id}"]`);
const storeCard = (name: string) => page.locator(`article.store-card[data-name="${name}"]`);
const badge = (scope: ReturnType<Page['locator']>) => scope.locator('.state-badge');
const menuLink = (id: string) => page.locator(`nav[aria-label="Plugin pages"] a[data-plugin="${id}"]`);

/** Uploads a fresh copy of `template` to the store, as a publisher would; returns it with its catalog id. */
async function publish(template: FixtureTemplate): Promise<PluginFixture & { mark: string; storeId: string }> {
  const fixture = uniqueFixture(template);
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await fixtureZip(fixture), { filename: `${fixture.name}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
  const { plugin_id } = (await res.json()) as { plugin_id: string };
  return { ...fixture, storeId: plugin_id };
}

/** Published and installed through the backend: state discovered. */
async function installed(template: FixtureTemplate) {
  const fixture = await publish(template);
  const res = await post(`${api(backend)}/store/${fixture.storeId}/install`);
  expect(res.status, await res.clone().text()).toBe(200);
  return fixture;
}

/** Published, installed and loaded: state active. */
async function active(template: FixtureTemplate) {
  const fixture = await installed(template);
  const res = await post(`${api(backend)}/plugins/${fixture.name}/load`);
  expect(res.status, await res.clone().text()).toBe(200);
  return fixture;
}

const stateOf = async (id: string) => (await getJson<{ state: string }>(`${api(backend)}/plugins/${id}`)).body.state;

beforeAll(async () => {
  system = await startBrowserSystem('e2e-ui');
  ({ page, store, backend, root, pluginsDir, storageDir } = system);
});

afterEach(() => {
  // Every test answers for the errors its own page raised.
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('web UI in Chromium', () => {
  it('serves the app at the backend root and shows an empty dashboard', async () => {
    // Indicators come from active plugins only: with none active the dashboard is empty.
    const { body } = await getJson<{ plugins: Array<{ id: string; state: string }> }>(`${api(backend)}/plugins`);
    for (const plugin of body.plugins.filter((p) => p.state === 'active')) {
      expect((await post(`${api(backend)}/plugins/${plugin.id}/unload`)).status).toBe(200);
    }
    await page.goto(backend.url);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor(SOON);
    await page.getByText('No indicators yet').waitFor(SOON);
    expect(await page.locator('main').getAttribute('aria-label')).toBe('Dashboard');
  });

  it('browses the store and searches by name, description and tag', async () => {
    const lan = await publish(LAN_WATCH);
    const weather = await publish(WEATHER);
    const { total } = (await getJson<{ total: number }>(`${api(store)}/plugins`)).body;
    await page.goto(`${backend.url}/plugins?tab=store`);
    await storeCard(lan.name).waitFor(SOON);
    await storeCard(weather.name).waitFor(SOON);
    const lanCard = storeCard(lan.name);
    expect(await lanCard.textContent()).toContain('v1.2.0');
    expect(await lanCard.textContent()).toContain('OKO QA');
    expect(await lanCard.textContent()).toContain('ZIP upload');
    await shot('store');

    expect(await page.getByTestId('store-count').textContent()).toBe(`${total} plugins in the store`);

    // The search runs on the store after a pause in typing: wait for the cards, not a count.
    // Each fixture's description and first tag carry its own mark, so only this test's plugin matches.
    const shown = () => page.locator('article.store-card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-name')));
    const search = page.getByTestId('store-search');
    await search.fill(`outdoor-${weather.mark}`); // only a tag of this weather_widget
    await expect.poll(shown, SOON).toEqual([weather.name]);
    const description = `LOCAL NETWORK OF SITE ${lan.mark}`; // description, any case
    await search.fill(description);
    await expect.poll(shown, SOON).toEqual([lan.name]);
    expect(await page.getByTestId('store-count').textContent()).toBe(`1 plugin matches “${description}”`);
    await search.fill('no-such-plugin');
    await page.getByText('No plugin matches').waitFor();
    await search.fill('');
    await expect.poll(() => page.locator('article.store-card').count(), SOON).toBe(Math.min(total, STORE_PAGE_SIZE));
  });

  it('the header tabs are a tablist the arrow keys move through', async () => {
    await page.goto(`${backend.url}/plugins?tab=store`);
    const selected = () => page.locator('[role="tab"][aria-selected="true"]').textContent();
    expect(await selected()).toContain('Store');
    await page.locator('[role="tab"][aria-selected="true"]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toContain('Settings');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('tab');
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toContain('Installed');
    await page.keyboard.press('ArrowLeft');
    expect(await selected()).toContain('Settings');
    await page.keyboard.press('Home');
    expect(await selected()).toContain('Installed');
  });

  it('installs a plugin from the store with visible progress, then marks it installed and running', async () => {
    const lan = await publish(LAN_WATCH);
    await page.goto(`${backend.url}/plugins?tab=store`);
    const card = storeCard(lan.name);
    // Record whether the card ever showed its progress: the install may finish in milliseconds,
    // but Vue draws the progress before the network can answer.
    await card.evaluate((element) => {
      const seen = { progress: false };
      (window as unknown as { installSeen: typeof seen }).installSeen = seen;
      new MutationObserver(() => {
        if (element.querySelector('.installing[role="status"] .progress')) seen.progress = true;
      }).observe(element, { subtree: true, childList: true });
    });
    await card.locator('[data-action="install"]').click();
    // Install asks first (the permissions, or that it needs none): e2e/permissions.test.ts tests the dialog.
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
    expect(await page.evaluate(() => (window as unknown as { installSeen: { progress: boolean } }).installSeen.progress)).toBe(true);
    // Install ends with the plugin running: the UI loads it after installing it.
    await card.locator('.state-badge[data-state="active"]').waitFor(SOON);
    expect(await listDir(pluginsDir)).toContain(lan.name);
    await page.getByRole('tab', { name: /Installed/ }).click();
    await installedCard(lan.name).waitFor(SOON);
    await installedCard(lan.name).locator('.state-badge[data-state="active"]').waitFor(SOON);
  });

  it('loads the plugin: its state turns active and its menu entry appears', async () => {
    const lan = await installed(LAN_WATCH);
    await page.goto(`${backend.url}/plugins`);
    const card = installedCard(lan.name);
    await card.locator('[data-action="load"]').click();
    await card.locator('.state-badge[data-state="active"]').waitFor(SOON);
    await menuLink(lan.name).waitFor(SOON);
    expect(await menuLink(lan.name).textContent()).toContain('LAN watch');
    expect(await page.locator('nav[aria-label="Plugin pages"]').textContent()).toContain('Network');
    await shot('installed');
  });

  it('opens the details page from the menu: runtime header, the page drawn from its manifest, the facts', async () => {
    const lan = await active(LAN_WATCH);
    await page.goto(`${backend.url}/plugins`);
    await menuLink(lan.name).click(SOON);
    await page.waitForURL(new RegExp(`/plugins/${lan.name}$`));
    const header = page.getByTestId('runtime-header');
    await header.locator('.state-badge[data-state="active"]').waitFor(SOON);
    expect(await header.textContent()).toContain('v1.2.0');
    // The grouped table: zones, then hosts, with counts.
    const groups = page.locator('tr.group-row');
    await groups.first().waitFor(SOON);
    const labels = await groups.evaluateAll((rows) =>
      rows.map(
        (row) => `${row.querySelector('.group-label')!.textContent!.trim()} ${row.querySelector('.group-count')!.textContent!.trim()}`,
      ),
    );
    expect(labels).toEqual([
      'Zone: office 3',
      'Host: 10.0.0.2 2',
      'Host: 10.0.0.7 1',
      'Zone: lab 1',
      'Host: 10.0.1.4 1',
      'Zone: No zone 1',
      'Host: 10.0.9.9 1',
    ]);
    expect(await page.locator('tr.data-row').count()).toBe(5);
    // Collapse "office": its three rows go, the count stays.
    await groups.first().locator('button').click();
    expect(await page.locator('tr.data-row').count()).toBe(2);
    await groups.first().locator('button').click();
    // The unknown component type is a placeholder in place; the rest still rendered.
    expect(await page.locator('[data-unsupported="true"]').textContent()).toContain('radar-chart');
    const facts = page.getByTestId('plugin-facts');
    expect(await facts.textContent()).toContain(`read.${lan.name}.hosts`);
    expect(await facts.textContent()).toContain('/hosts');
    await shot('details');
  });

  it('shows the plugin indicator on the dashboard home with its live value', async () => {
    const lan = await active(LAN_WATCH);
    await page.goto(backend.url);
    // Other tests' copies of the plugin may be active too: this one's card links to its page.
    const card = page.locator(`[data-indicator="Hosts up"][href="/plugins/${lan.name}"]`);
    await card.getByTestId('stat-value').waitFor(SOON);
    expect(await card.getByTestId('stat-value').textContent()).toBe('4');
    await page.locator(`a.entry[href="/plugins/${lan.name}"]`, { hasText: 'LAN watch' }).waitFor();
    await shot('home');
  });

  it('unloads, disables and enables the plugin from its details page', async () => {
    const lan = await active(LAN_WATCH);
    await page.goto(`${backend.url}/plugins/${lan.name}`);
    const header = page.getByTestId('runtime-header');
    await header.locator('.state-badge[data-state="active"]').waitFor(SOON);
    await header.locator('[data-action="unload"]').click();
    await header.locator('.state-badge[data-state="discovered"]').waitFor(SOON);
    expect(await stateOf(lan.name)).toBe('discovered');
    // Its routes are gone, and the page says so instead of spinning.
    await page.getByTestId('inactive-note').waitFor(SOON);

    await header.locator('[data-action="disable"]').click();
    await header.locator('.state-badge[data-state="disabled"]').waitFor(SOON);
    expect(await stateOf(lan.name)).toBe('disabled');
    await header.locator('[data-action="enable"]').click();
    await header.locator('.state-badge[data-state="discovered"]').waitFor(SOON);
  });

  it('shows the fallback reason of a plugin without a page manifest', async () => {
    const weather = await publish(WEATHER);
    await page.goto(`${backend.url}/plugins?tab=store`);
    const card = storeCard(weather.name);
    await card.locator('[data-action="install"]').click();
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
    await page.goto(`${backend.url}/plugins/${weather.name}`);
    const fallback = page.getByTestId('page-fallback');
    await fallback.waitFor(SOON);
    expect(await fallback.textContent()).toContain('page_manifest.yaml not found');
  });

  it('shows a plugin that fails to load in state error with its reason', async () => {
    const broken = await installed(BROKEN);
    await page.goto(`${backend.url}/plugins`);
    const card = installedCard(broken.name);
    await card.locator('[data-action="load"]').click();
    await card.locator('.state-badge[data-state="error"]').waitFor(SOON);
    await card.getByTestId('plugin-error-reason').waitFor(SOON);
    expect(await card.getByTestId('plugin-error-reason').textContent()).toContain('probe hardware not found');
    await shot('installed-error');
  });

  it('runs a custom bundle only in a sandboxed frame whose bridge stays inside the plugin prefix', async () => {
    const demo = await active(CUSTOM_DEMO);
    try {
      await page.goto(`${backend.url}/plugins/${demo.name}`);
      const frame = page.locator('iframe.bundle-frame');
      await frame.waitFor(SOON);
      expect(await frame.getAttribute('sandbox')).toBe('allow-scripts');
      const inside = page.frameLocator('iframe.bundle-frame');
      await inside.locator('#own').waitFor(SOON);
      expect(await inside.locator('#own').textContent()).toBe('200 hello from the bridge');
      expect(await inside.locator('#foreign').textContent()).toBe('403 BRIDGE_FORBIDDEN');

      // The kill switch in Settings stops the bundle: no frame, the universal renderer instead.
      await page.goto(`${backend.url}/plugins?tab=settings`);
      await page.getByTestId('custom-bundles-kill-switch').check();
      await expect
        .poll(
          async () => (await getJson<{ custom_bundles_enabled: boolean }>(`${api(backend)}/system/settings`)).body.custom_bundles_enabled,
          SOON,
        )
        .toBe(false);
      await page.goto(`${backend.url}/plugins/${demo.name}`);
      await page.getByTestId('custom-bundles-off').waitFor(SOON);
      expect(await page.locator('iframe').count()).toBe(0);
      await page.goto(`${backend.url}/plugins?tab=settings`);
      await page.getByTestId('custom-bundles-kill-switch').uncheck();
    } finally {
      // The switch is the backend's, shared by every test: never leave it on.
      await request(`${api(backend)}/system/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ custom_bundles_enabled: true }),
      });
    }
  });

  it('reloads from the Installed tab, and shows a state changed elsewhere without a page reload', async () => {
    const demo = await active(CUSTOM_DEMO);
    await page.goto(`${backend.url}/plugins`);
    const card = installedCard(demo.name);
    await card.locator('.state-badge[data-state="active"]').waitFor(SOON);
    const before = (await getJson<{ loaded_at: string }>(`${api(backend)}/plugins/${demo.name}`)).body.loaded_at;
    await page.waitForTimeout(20); // loaded_at has millisecond resolution
    await card.locator('[data-action="reload"]').click();
    await page.getByText(new RegExp(`^(${demo.name}|Custom demo) reloaded$`)).waitFor(SOON);
    const after = await getJson<{ state: string; loaded_at: string }>(`${api(backend)}/plugins/${demo.name}`);
    expect(after.body.state).toBe('active');
    expect(after.body.loaded_at).not.toBe(before);

    // Another client unloads it: the card follows on its own, no navigation in between.
    expect((await post(`${api(backend)}/plugins/${demo.name}/unload`)).status).toBe(200);
    await card.locator('.state-badge[data-state="discovered"]').waitFor(SOON);
  });

  it('uninstalls after confirmation in a modal dialog', async () => {
    const weather = await installed(WEATHER);
    await page.goto(`${backend.url}/plugins`);
    const card = installedCard(weather.name);
    await card.waitFor(SOON);
    await card.locator('[data-action="uninstall"]').click();
    const dialog = page.getByRole('dialog', { name: /^Uninstall / });
    await dialog.waitFor();
    // The dialog sits outside the layout root, directly under body.
    expect(await dialog.evaluate((el) => el.closest('.ui-blank-layout') === null)).toBe(true);
    // Escape closes it without uninstalling.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await listDir(pluginsDir)).toContain(weather.name);

    await card.locator('[data-action="uninstall"]').click();
    await dialog.locator('[data-action="confirm-uninstall"]').click();
    await card.waitFor({ state: 'detached', ...SOON });
    expect(await listDir(pluginsDir)).not.toContain(weather.name);
    await page.getByRole('tab', { name: /Store/ }).click();
    await storeCard(weather.name).locator('[data-action="install"]').waitFor(SOON);
  });

  it('uploads a ZIP to the store through the sidebar dialog', async () => {
    const disk = uniqueFixture(DISK_REPORT);
    const file = path.join(root, `${disk.name}.zip`);
    await writeFile(file, await fixtureZip(disk));
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.locator('[data-action="open-upload-zip"]').click();
    const dialog = page.getByRole('dialog', { name: 'Upload a plugin ZIP' });
    await dialog.locator('input[type="file"]').setInputFiles(file);
    await dialog.locator('[data-action="upload-zip"]').click();
    // Uploaded: the dialog offers to install it here (e2e/store-details.test.ts takes that path); Close leaves it in the store.
    await dialog.getByTestId('upload-done').waitFor(SOON);
    await dialog.locator('[data-action="close-upload"]').click();
    await dialog.waitFor({ state: 'detached', ...SOON });
    await storeCard(disk.name).waitFor(SOON);
    const { body } = await getJson<{ plugins: Array<{ name: string }> }>(`${api(store)}/plugins?q=${disk.name}`);
    expect(body.plugins.map((p) => p.name)).toContain(disk.name);
  });

  it('shows why a broken ZIP was refused, in the dialog and as a toast, and keeps nothing', async () => {
    const catalogSize = async () => (await getJson<{ total: number }>(`${api(store)}/plugins`)).body.total;
    const before = await catalogSize();
    const file = path.join(root, 'broken.zip');
    await writeFile(file, 'this is not a zip archive');
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.locator('[data-action="open-upload-zip"]').click();
    const dialog = page.getByRole('dialog', { name: 'Upload a plugin ZIP' });
    await dialog.locator('input[type="file"]').setInputFiles(file);
    await dialog.locator('[data-action="upload-zip"]').click();
    const inline = dialog.locator('[role="alert"]');
    await inline.waitFor(SOON);
    const message = (await inline.textContent())!.trim();
    expect(message.length).toBeGreaterThan(5);
    await page.locator('.toast-error', { hasText: 'Upload failed' }).waitFor(SOON);
    await shot('upload-error');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await catalogSize()).toBe(before);
  });

  it('shows store URL, health, answer time, folders and versions in Settings', async () => {
    await page.goto(`${backend.url}/plugins`);
    await page.getByRole('tab', { name: /Settings/ }).click();
    const storePanel = page.getByTestId('store-settings');
    await storePanel.getByTestId('store-status').waitFor(SOON);
    expect(await storePanel.getByTestId('store-status').textContent()).toContain('Available');
    expect(await storePanel.textContent()).toContain(api(store));
    expect(await storePanel.textContent()).toMatch(/\d+ ms/);
    const backendPanel = page.getByTestId('backend-settings');
    await backendPanel.getByText(pluginsDir).waitFor(SOON);
    expect(await backendPanel.textContent()).toContain(process.version);
    await shot('settings');
  });

  it('shows the store as unavailable when it dies, keeps the Installed tab working, and sees it come back', async () => {
    const lan = await installed(LAN_WATCH);
    const port = Number(new URL(store.url).port);
    await page.goto(`${backend.url}/plugins?tab=store`);
    await storeCard(lan.name).waitFor(SOON);
    await store.kill();
    let restarted = false;
    try {
      await page.getByTestId('store-unavailable').waitFor(SOON);
      expect(await page.getByTestId('store-pill').textContent()).toContain('Store unavailable');
      expect(await page.locator('.spinner').count()).toBe(0);
      await shot('store-down');

      await page.getByRole('tab', { name: /Installed/ }).click();
      const card = installedCard(lan.name);
      await card.waitFor(SOON);
      await card.locator('[data-action="load"]').click();
      await card.locator('.state-badge[data-state="active"]').waitFor(SOON);

      store = system.store = await startStore({ storageDir, port });
      restarted = true;
      await page.getByRole('tab', { name: /Store/ }).click();
      await storeCard(lan.name).waitFor(SOON);
      expect(await page.getByTestId('store-pill').textContent()).toContain('Store online');
      expect(await badge(storeCard(lan.name)).getAttribute('data-state')).toBe('active');
    } finally {
      // Later tests need the store: bring it back even when this one failed, and wait until the
      // backend sees it again.
      if (!restarted) store = system.store = await startStore({ storageDir, port });
      await eventually(
        async () => (await getJson<{ available: boolean }>(`${api(backend)}/store`)).body.available,
        (available) => available,
        30_000,
      );
    }
  });

  it('fits a 390 px wide phone: header tabs clear of the indicators, no sidebar stripe over the content, the sidebar behind a menu that navigating closes', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${backend.url}/plugins`);
      await page.getByTestId('store-pill').waitFor(SOON);
      const pill = (await page.getByTestId('store-pill').boundingBox())!;
      for (const tab of await page.getByRole('tab').all()) {
        const box = (await tab.boundingBox())!;
        const overlaps =
          box.x < pill.x + pill.width && pill.x < box.x + box.width && box.y < pill.y + pill.height && pill.y < box.y + box.height;
        expect(overlaps, `tab "${await tab.textContent()}" runs under the store pill`).toBe(false);
      }
      // The sidebar is a drawer there, so the desktop's sidebar-coloured column must go.
      expect(await page.locator('.ui-blank-layout').evaluate((el) => getComputedStyle(el).backgroundImage)).toBe('none');
      // The content starts on the first screen instead of below a screen-high sidebar.
      const canvas = (await page.locator('main').boundingBox())!;
      expect(canvas.y).toBeLessThan(844 / 2);
      await expect.poll(() => page.locator('aside').isVisible()).toBe(false);
      await shot('installed-phone');

      const menu = page.getByRole('button', { name: 'Open menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      await menu.click();
      const close = page.getByRole('button', { name: 'Close menu' });
      expect(await close.getAttribute('aria-expanded')).toBe('true');
      await page.locator('aside').getByRole('link', { name: 'Dashboard', exact: true }).waitFor(SOON);
      await shot('phone-menu-open');
      // Choosing an entry navigates and closes the drawer.
      await page.locator('aside').getByRole('link', { name: 'Dashboard', exact: true }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor(SOON);
      await expect.poll(() => page.locator('aside').isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: 'Open menu' }).getAttribute('aria-expanded')).toBe('false');
      // No tab of the control center is wider than the phone (the Settings cards once were).
      for (const tab of ['installed', 'store', 'settings']) {
        await page.goto(`${backend.url}/plugins?tab=${tab}`);
        await page.getByRole('tab', { selected: true }).waitFor(SOON);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), tab).toBeLessThanOrEqual(390);
      }
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
});
