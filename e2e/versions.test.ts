import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { pluginZip } from '../test-support/fixtures.js';
import { api, getJson, post, uploadZip } from '../test-support/http.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// Versions in Chromium against a real store and backend: two published versions make one store
// card with "2 versions"; the older one is installed from the history; the count of updates says 1;
// "Update to v…" shows what's new since the installed version and updates; the details page rolls
// back and pins; a dependency plan in the install dialog and IN_USE at uninstall; an update that fails
// to load rolled back with a warning. Screenshots at 1440 and 390 px of the card, the history, the
// update dialog and the panel.

const SOON = { timeout: 30_000 };
const NAME = 'chart_board';
const CHANGELOG = [
  '# Changelog',
  '',
  '## 1.1.0',
  '',
  '- Adds a <b>bar chart</b> of the last 24 hours',
  '- Faster refresh',
  '',
  '## 1.0.0',
  '',
  '- First release',
  '',
].join('\n');

let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;

/** Uploads NAME at `version` with the shared CHANGELOG.md; answers its catalog id. */
async function publish(version: string): Promise<string> {
  const zip = await pluginZip({
    name: NAME,
    version,
    description: 'Draws charts of the board',
    author: 'OKO QA',
    files: { 'CHANGELOG.md': CHANGELOG },
  });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: `${NAME}-${version}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

const installedVersionOf = async (name: string) => (await getJson<{ version?: string }>(`${api(backend)}/plugins/${name}`)).body.version;
const installedVersion = () => installedVersionOf(NAME);

/** The page, or only `part` of it; toasts are dismissed first so they cover nothing. */
async function shot(name: string, part?: Locator) {
  for (const close of await page.locator('.toast-close').all()) await close.click();
  await page.waitForTimeout(300);
  const file = path.join(SHOTS, `${name}.png`);
  if (part) return void (await part.screenshot({ path: file }));
  // From the top: a full-page shot of a scrolled page draws the sticky header over the middle.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
}

/** Runs `look` at 1440 px, then again at 390 px (no sideways scrolling there), with screenshots of both. */
async function atBothWidths(name: string, look: () => Promise<void>, part?: Locator) {
  await look();
  await shot(name, part);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await look();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
    await shot(`${name}-phone`, part);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
}

const storeCard = () => page.locator(`article.store-card[data-name="${NAME}"]`);
const dialog = () => page.getByTestId('permissions-dialog');

async function openStore() {
  await page.goto(`${backend.url}/plugins?tab=store`);
  await page.getByTestId('store-search').fill(NAME);
  await storeCard().first().waitFor(SOON);
}

beforeAll(async () => {
  system = await startBrowserSystem('e2e-versions', {
    // A short health window so an update is decided within the test; no scheduled update check.
    prepare: async () => ({ OKO_UPDATE_HEALTH_WINDOW_S: '2', OKO_UPDATE_CHECK_INTERVAL_S: '0' }),
  });
  ({ page, store, backend } = system);
});

afterEach(() => {
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('versions in Chromium', () => {
  it('two versions make one card; the older is installed from its history', async () => {
    await publish('1.0.0');
    await publish('1.1.0');
    await openStore();
    expect(await storeCard().count()).toBe(1);
    expect(await storeCard().locator('.meta').textContent()).toContain('v1.1.0');
    expect((await storeCard().locator('[data-action="version-history"]').textContent())?.trim()).toBe('2 versions');

    await atBothWidths('versions-store-card', openStore, storeCard());
    const history = page.getByTestId('version-history');
    await atBothWidths('versions-store-history', async () => {
      if (!(await history.isVisible())) {
        await storeCard().locator('[data-action="version-history"]').click();
        await history.locator('li.version').first().waitFor(SOON);
      }
    });
    const rows = history.locator('li.version');
    expect(await rows.evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.version))).toEqual(['1.1.0', '1.0.0']);
    // The changelog is text: the <b> in it is shown as written, not as bold.
    const newest = rows.first().getByTestId('changelog');
    expect(await newest.textContent()).toContain('Adds a <b>bar chart</b> of the last 24 hours');
    expect(await newest.locator('b').count()).toBe(0);

    await rows.nth(1).locator('[data-action="install-version"]').click();
    await dialog().waitFor(SOON);
    await page.locator('[data-action="confirm-permissions"]').click();
    await expect.poll(installedVersion, SOON).toBe('1.0.0');
    await history.locator('li.version[data-version="1.0.0"][data-installed]').waitFor(SOON);
    await page.locator('[data-action="close-history"]').click();
  });

  it('the count of updates says 1, and "Update to v1.1.0" shows what is new since 1.0.0 before updating', async () => {
    await page.goto(`${backend.url}/plugins?tab=installed`);
    const badge = page.getByTestId('updates-badge');
    await badge.waitFor(SOON);
    expect((await badge.textContent())?.trim()).toBe('1 update');

    // Loaded, so the update is health-gated: watched for OKO_UPDATE_HEALTH_WINDOW_S, then kept.
    expect((await post(`${api(backend)}/plugins/${NAME}/load`)).status).toBe(200);
    const card = page.locator(`article.installed-card[data-plugin="${NAME}"]`);
    const update = card.locator('[data-action="update-to"]');
    await atBothWidths('versions-update-dialog', async () => {
      if (!(await dialog().isVisible())) {
        await update.click();
        await dialog().waitFor(SOON);
      }
    });
    const news = page.getByTestId('whats-new');
    expect(await news.locator('li[data-version]').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.version))).toEqual([
      '1.1.0',
    ]);
    expect(await news.textContent()).toContain('Faster refresh');
    await page.locator('[data-action="confirm-permissions"]').click();
    await expect.poll(installedVersion, SOON).toBe('1.1.0');
    await page.locator('.toast', { hasText: 'Updated chart_board to v1.1.0: watching it for 2 s' }).waitFor(SOON);
    await page.locator('.toast', { hasText: 'chart_board v1.1.0 passed its health check' }).waitFor(SOON);
    await badge.waitFor({ state: 'hidden', ...SOON });
  });

  it('the details page rolls back to the version before and pins', async () => {
    await page.goto(`${backend.url}/plugins/${NAME}`);
    const panel = page.getByTestId('versions-panel');
    await panel.waitFor(SOON);
    await panel.locator('[data-action="rollback"]').click();
    const confirm = page.getByTestId('rollback-dialog');
    await confirm.waitFor(SOON);
    expect(await confirm.textContent()).toContain('v1.1.0 to v1.0.0');
    await page.locator('[data-action="confirm-rollback"]').click();
    await expect.poll(installedVersion, SOON).toBe('1.0.0');

    await panel.locator('[data-action="pin"]').click();
    await panel.getByTestId('pinned-mark').waitFor(SOON);
    const state = (await getJson<{ versions: { pinned: boolean } }>(`${api(backend)}/plugins/${NAME}`)).body.versions;
    expect(state.pinned).toBe(true);

    expect(await panel.getByTestId('last-update').textContent()).toContain('rolled back to 1.0.0 since');
    await atBothWidths('versions-details-panel', () => panel.waitFor(SOON));
  });

  it('an install that needs another plugin shows the plan in its confirm dialog and installs both once confirmed', async () => {
    const lib = await pluginZip({ name: 'chart_lib', version: '1.3.0', description: 'Chart helpers', author: 'OKO QA' });
    const libRes = await uploadZip(`${api(store)}/plugins/upload/zip`, lib, { filename: 'chart_lib.zip' });
    expect(libRes.status, await libRes.clone().text()).toBe(201);
    const manifest = {
      name: 'ops_wall',
      version: '1.0.0',
      description: 'A wall of charts',
      author: 'OKO QA',
      capabilities: [],
      dependencies: { chart_lib: '^1.2.0' },
    };
    const wall = await pluginZip({ name: 'ops_wall', files: { 'manifest.json': JSON.stringify(manifest) } });
    const wallRes = await uploadZip(`${api(store)}/plugins/upload/zip`, wall, { filename: 'ops_wall.zip' });
    expect(wallRes.status, await wallRes.clone().text()).toBe(201);

    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.getByTestId('store-search').fill('ops_wall');
    const card = page.locator('article.store-card[data-name="ops_wall"]');
    await card.locator('[data-action="install"]').click();
    await dialog().waitFor(SOON);
    await page.locator('[data-action="confirm-permissions"]').click();
    const plan = page.getByTestId('dependency-plan');
    await plan.waitFor(SOON);
    expect(await plan.textContent()).toContain('Installing ops_wall also installs:');
    expect(await plan.textContent()).toContain('chart_lib 1.3.0 (no special permissions), required by ops_wall ^1.2.0');
    await shot('versions-dependency-plan');
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
    expect((await getJson(`${api(backend)}/plugins/chart_lib`)).status).toBe(200);

    // Uninstalling what ops_wall needs is refused with IN_USE; the dialog offers to go on anyway.
    await page.goto(`${backend.url}/plugins?tab=installed`);
    await page.locator('article.installed-card[data-plugin="chart_lib"] [data-action="uninstall"]').click();
    await page.locator('[data-action="confirm-uninstall"]').click();
    const refusal = page.locator('[role="dialog"] [data-code="IN_USE"]');
    await refusal.waitFor(SOON);
    expect(await refusal.textContent()).toContain('ops_wall');
    expect((await page.locator('[data-action="confirm-uninstall"]').textContent())?.trim()).toBe('Uninstall anyway');
    await page.locator('[data-action="confirm-uninstall"]').click();
    await expect.poll(async () => (await getJson(`${api(backend)}/plugins/chart_lib`)).status, SOON).toBe(404);
  });

  it('an update whose new version fails to load is rolled back: a warning toast and the panel say why', async () => {
    const good = await pluginZip({ name: 'flaky_feed', version: '1.0.0', description: 'A feed', author: 'OKO QA' });
    expect((await uploadZip(`${api(store)}/plugins/upload/zip`, good, { filename: 'flaky-1.zip' })).status).toBe(201);
    const broken = await pluginZip({
      name: 'flaky_feed',
      version: '1.1.0',
      files: { 'index.js': "export async function setup() { throw new Error('feed source missing'); }\n" },
    });
    const res = await uploadZip(`${api(store)}/plugins/upload/zip`, broken, { filename: 'flaky-2.zip' });
    expect(res.status, await res.clone().text()).toBe(201);
    const first = (await getJson<{ versions: { id: string; version: string }[] }>(`${api(backend)}/store/flaky_feed/versions`)).body;
    const older = first.versions.find((entry) => entry.version === '1.0.0')!;
    expect((await post(`${api(backend)}/store/${older.id}/install`)).status).toBe(200);
    expect((await post(`${api(backend)}/plugins/flaky_feed/load`)).status).toBe(200);

    await page.goto(`${backend.url}/plugins/flaky_feed`);
    const panel = page.getByTestId('versions-panel');
    await panel.locator('[data-action="update-to"]').click();
    await dialog().waitFor(SOON);
    await page.locator('[data-action="confirm-permissions"]').click();
    await page.locator('.toast-warning', { hasText: 'rolled back' }).waitFor(SOON);
    expect(await page.locator('.toast-warning').last().textContent()).toContain('feed source missing');
    const note = panel.locator('[data-testid="last-update"][data-result="rolled_back"]');
    await note.waitFor(SOON);
    expect(await note.textContent()).toContain('Update to 1.1.0 was rolled back');
    expect(await installedVersionOf('flaky_feed')).toBe('1.0.0');
  });
});
