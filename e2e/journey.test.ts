import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, getJson, post, request } from '../test-support/http.js';
import type { RunningService } from '../test-support/service.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';
import { FAILING_PAGE, installInto } from './journey-fixtures.js';
import { CUSTOM_DEMO, LAN_WATCH, launchBrowser, type FixtureTemplate } from './ui-fixtures.js';

// The journey of an installed plugin in Chromium against a real store and backend: the states in
// plain words, Enable putting back the state before Disable, a plugin in error whose page asks its
// routes nothing, the details page at 390 px with its state and actions in the body and no page
// wider than the screen, the keyboard paths (skip link, focus ring on the tab panel, a dialog's
// first field, Escape on the header panel), Settings' runtime configuration and the server-side
// kill switch seen from a second browser. Screenshots at 1440 and 390 px into test-output/screenshots
// (journey-*.png), the README's copies into docs/screenshots/.

const SOON = { timeout: 30_000 };
const DOCS_SHOTS = path.resolve(import.meta.dirname, '../docs/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;

const installed = (template: FixtureTemplate) => installInto(store, backend, template);

const stateOf = async (id: string) => (await getJson<{ state: string }>(`${api(backend)}/plugins/${id}`)).body.state;
const installedCard = (id: string) => page.locator(`article.installed-card[data-plugin="${id}"]`);
const header = () => page.getByTestId('runtime-header');
/** The state badge saying exactly `words` ("Running" must not match "Installed, not running"). */
const badge = (scope: Locator, words: string) => scope.locator('.state-badge', { hasText: new RegExp(`^\\s*${words}\\s*$`) });
/** The document's width beyond the viewport's: 0 when nothing scrolls sideways. */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function shot(name: string, docsName?: string) {
  for (const close of await page.locator('.toast-close').all()) await close.click();
  await page.waitForTimeout(300);
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (docsName) await copyFile(file, path.join(DOCS_SHOTS, `journey-${docsName}.png`));
}

async function setKillSwitch(enabled: boolean) {
  const res = await request(`${api(backend)}/system/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ custom_bundles_enabled: enabled }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  system = await startBrowserSystem('e2e-journey');
  ({ page, store, backend } = system);
});

afterEach(async () => {
  await page.setViewportSize(DESKTOP);
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('the journey of an installed plugin', () => {
  it('an empty Installed tab says what it holds and leads to the Store tab', async () => {
    await page.goto(`${backend.url}/plugins`);
    const empty = page.getByTestId('installed-empty');
    await empty.waitFor(SOON);
    expect(await empty.textContent()).toContain('this dashboard has no built-in plugins');
    await empty.locator('[data-action="browse-store"]').click();
    await page.waitForURL(/tab=store/);
  });

  it('says each state in plain words, names the plugin by its display name and marks what needs attention', async () => {
    const lan = await installed(LAN_WATCH);
    const broken = await installed(FAILING_PAGE);
    await page.goto(`${backend.url}/plugins`);
    const card = installedCard(lan.name);
    await badge(card, 'Installed, not running').waitFor(SOON);
    // The display name (ui.yaml page_title here) leads; the id is secondary text.
    expect((await card.locator('a.name').textContent())?.trim()).toBe('LAN watch');
    expect(await card.locator('.version').textContent()).toContain(lan.name);
    // Every plugin here is in the plugins folder: no "external" chip, nor a "From the store" one.
    expect(await card.textContent()).not.toMatch(/external|builtin/);

    await card.locator('[data-action="load"]').click();
    await badge(card, 'Running').waitFor(SOON);
    await page.locator('.toast', { hasText: 'LAN watch loaded' }).waitFor(SOON);

    const bad = installedCard(broken.name);
    await bad.locator('[data-action="load"]').click();
    await badge(bad, 'In error').waitFor(SOON);
    expect(await bad.getByTestId('plugin-error-reason').textContent()).toContain('The plugin is in error:');
    expect(await bad.getByTestId('plugin-error-reason').textContent()).toContain('sensor bus not found');
    expect(await bad.getByTestId('needs-attention').textContent()).toContain('Needs attention');
    expect(await card.getByTestId('needs-attention').count()).toBe(0);
    // The reason is on the card once; the failure's toast does not say it again.
    const toast = page.locator('.toast-error').first();
    await toast.waitFor(SOON);
    expect(await toast.textContent()).not.toContain('sensor bus not found');
    expect(await page.getByText('sensor bus not found').count()).toBe(1);

    await card.locator('[data-action="disable"]').click();
    await badge(card, 'Disabled').waitFor(SOON);
    // Enable restoring "Running" is the next test's; here it only has to run again for the pictures.
    expect((await post(`${api(backend)}/plugins/${lan.name}/enable`)).status).toBe(200);
    if ((await stateOf(lan.name)) !== 'active') expect((await post(`${api(backend)}/plugins/${lan.name}/load`)).status).toBe(200);
    await badge(card, 'Running').waitFor(SOON);

    for (const width of [DESKTOP, PHONE]) {
      await page.setViewportSize(width);
      await page.goto(`${backend.url}/plugins`);
      await installedCard(broken.name).getByTestId('plugin-error-reason').waitFor(SOON);
      expect(await overflow()).toBe(0);
      await shot(`journey-installed${width === PHONE ? '-phone' : ''}`, width === PHONE ? 'installed-phone' : 'installed');
    }
  });

  it('Enable puts a running plugin back to running, and the details page explains Disable and Unload', async () => {
    const lan = await installed(LAN_WATCH);
    expect((await post(`${api(backend)}/plugins/${lan.name}/load`)).status).toBe(200);
    await page.goto(`${backend.url}/plugins/${lan.name}`);
    await badge(header(), 'Running').waitFor(SOON);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('LAN watch');
    const hints = await header().getByTestId('operation-hints').textContent();
    expect(hints).toContain('Unload stops it until someone loads it again');
    expect(hints).toContain('until Enable, which puts it back as it was before');

    await header().locator('[data-action="disable"]').click();
    await badge(header(), 'Disabled').waitFor(SOON);
    expect(await stateOf(lan.name)).toBe('disabled');
    await header().locator('[data-action="enable"]').click();
    await badge(header(), 'Running').waitFor(SOON);
    expect(await stateOf(lan.name)).toBe('active');
    await page.locator('tr.data-row').first().waitFor(SOON);
  });

  it("a plugin in error: its page asks the plugin's routes nothing, and says why once", async () => {
    const broken = await installed(FAILING_PAGE);
    expect((await post(`${api(backend)}/plugins/${broken.name}/load`)).status).not.toBe(200);
    expect(await stateOf(broken.name)).toBe('error');
    const prefix = `/api/v1/plugins/${broken.name.replaceAll('_', '-')}/`;
    const own: string[] = [];
    let detailsReads = 0;
    const watch = (req: Request) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith(prefix)) own.push(url.pathname);
      if (url.pathname === `/api/v1/plugins/${broken.name}`) detailsReads += 1;
    };
    page.on('request', watch);
    try {
      await page.goto(`${backend.url}/plugins/${broken.name}`);
      await badge(header(), 'In error').waitFor(SOON);
      await page.getByTestId('inactive-note').waitFor(SOON);
      // Two more polls of the details: whatever the page would ask of the plugin, it has asked by then.
      await expect.poll(() => detailsReads, SOON).toBeGreaterThanOrEqual(3);
      expect(own).toEqual([]);
      expect(await page.locator('[data-component], tr.data-row, iframe').count()).toBe(0);
      expect(await page.getByText('sensor bus not found').count()).toBe(1);
      expect(await header().locator('[data-action="load"]').count()).toBe(1);
    } finally {
      page.off('request', watch);
    }
  });

  it('at 390 px the details page shows state, reason and actions in its body, and no page is wider than the screen', async () => {
    const broken = await installed(FAILING_PAGE);
    await post(`${api(backend)}/plugins/${broken.name}/load`);
    await page.setViewportSize(PHONE);
    await page.goto(`${backend.url}/plugins/${broken.name}`);
    const body = page.locator('main');
    await body.getByTestId('runtime-header').locator('.state-badge', { hasText: 'In error' }).waitFor(SOON);
    // Visible without opening the drawer: the sidebar is closed at this width.
    expect(await page.locator('aside[data-region="sidebar"]').isVisible()).toBe(false);
    expect(await body.getByTestId('plugin-error-reason').isVisible()).toBe(true);
    expect(await body.locator('[data-action="load"]').isVisible()).toBe(true);
    expect(await body.locator('[data-action="disable"]').isVisible()).toBe(true);
    expect(await overflow()).toBe(0);
    await shot('journey-details-phone', 'details-phone');

    const lan = await installed(LAN_WATCH);
    await post(`${api(backend)}/plugins/${lan.name}/load`);
    const pages: Array<[string, string]> = [
      ['/', 'main'],
      ['/plugins?tab=installed', 'article.installed-card'],
      ['/plugins?tab=store', 'article.store-card'],
      ['/plugins?tab=settings', '[data-testid="limit-settings"]'],
      [`/plugins/${lan.name}`, 'tr.data-row'],
    ];
    for (const [url, ready] of pages) {
      await page.goto(`${backend.url}${url}`);
      await page.locator(ready).first().waitFor(SOON);
      expect(await overflow(), `${url} is wider than 390 px`).toBe(0);
    }
  });

  it('keyboard: skip link, focus ring on the tab panel, a dialog focuses its first field, Escape closes the header panel', async () => {
    await page.goto(`${backend.url}/plugins?tab=installed`);
    await page.locator('[role="tabpanel"]').waitFor(SOON);
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');

    // From the selected tab, Tab reaches the tab panel, drawn with a visible ring.
    await page.locator('[role="tab"][aria-selected="true"]').focus();
    for (let i = 0; i < 6; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.getAttribute('role') === 'tabpanel')) break;
    }
    const ring = await page.evaluate(() => {
      const panel = document.activeElement as HTMLElement;
      const style = getComputedStyle(panel);
      return { role: panel.getAttribute('role'), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(ring.role).toBe('tabpanel');
    expect(ring.outline).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);

    // Upload ZIP's one field is its file input (no autofocus of its own): focus starts there, not on Close.
    await page.locator('[data-action="open-upload-zip"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(SOON);
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('file');
    expect(await page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    const toggle = page.getByTestId('header-panel-toggle');
    const panel = page.getByTestId('header-panel');
    if (!(await panel.isVisible())) await toggle.click();
    await panel.waitFor({ state: 'visible' });
    expect(await panel.textContent()).toContain('Running');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('header-panel-toggle');
  });

  it('Settings shows the runtime configuration, and the kill switch holds in every browser', async () => {
    await page.goto(`${backend.url}/plugins?tab=settings`);
    const storePanel = page.getByTestId('store-settings');
    await storePanel.getByTestId('store-status').waitFor(SOON);
    expect(await storePanel.getByTestId('store-url').textContent()).toBe(api(store));
    expect(await page.getByTestId('backend-settings').textContent()).toContain(system.pluginsDir);
    expect(await page.getByTestId('policy-settings').textContent()).toContain('Signatures');
    expect(await page.getByTestId('limit-settings').locator('tr[data-limit]').count()).toBeGreaterThan(0);
    for (const width of [DESKTOP, PHONE]) {
      await page.setViewportSize(width);
      await page.getByTestId('limit-settings').waitFor();
      expect(await overflow()).toBe(0);
      await shot(`journey-settings${width === PHONE ? '-phone' : ''}`, width === PHONE ? 'settings-phone' : 'settings');
    }
    await page.setViewportSize(DESKTOP);

    const demo = await installed(CUSTOM_DEMO);
    expect((await post(`${api(backend)}/plugins/${demo.name}/load`)).status).toBe(200);
    const second = await launchBrowser();
    try {
      await page.getByTestId('custom-bundles-kill-switch').check();
      await expect
        .poll(
          async () => (await getJson<{ custom_bundles_enabled: boolean }>(`${api(backend)}/system/settings`)).body.custom_bundles_enabled,
          SOON,
        )
        .toBe(false);
      // Another browser, with its own storage: the switch is the backend's, so it holds there too.
      const other = await second.context.newPage();
      await other.goto(`${backend.url}/plugins/${demo.name}`);
      await other.getByTestId('custom-bundles-off').waitFor(SOON);
      expect(await other.locator('iframe').count()).toBe(0);

      await page.getByTestId('custom-bundles-kill-switch').uncheck();
      await other.goto(`${backend.url}/plugins/${demo.name}`);
      await other.locator('iframe.bundle-frame').waitFor(SOON);
    } finally {
      await setKillSwitch(true);
      await second.context.close();
    }
  });
});
