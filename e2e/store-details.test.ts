import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pluginZip, type PluginFixture } from '../test-support/fixtures.js';
import { eventually } from '../test-support/eventually.js';
import { api, getJson, post, request, uploadZip } from '../test-support/http.js';
import type { RunningService } from '../test-support/service.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';
import { hostilePlugin, PWNED, uptimePlugin } from './store-fixtures.js';
import { BROKEN, uniqueFixture } from './ui-fixtures.js';

// The store details page and the store side of the journey in Chromium, against a real store and
// backend: a README that tries every trick runs nothing; the facts, stars and reviews of a plugin;
// the four sort orders; tag filters; rating and reviewing an installed plugin; Install that ends
// with the plugin running (or says why it did not start); Upload ZIP then Install now; the keyboard
// path to a card's title and Install. Screenshots at 1440 and 390 px of the details page, the rate
// dialog and the Store tab.

const SOON = { timeout: 30_000 };
let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;
let made = 0;
/** A plugin name no other test uses. */
const unique = (base: string) => `${base}_${String(++made).padStart(2, '0')}`;

async function publish(fixture: PluginFixture): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip(fixture), { filename: `${fixture.name}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

/** Another dashboard, as the store knows it on an open store: its X-OKO-Instance id. */
const otherDashboard = () => ({ 'x-oko-instance': randomBytes(12).toString('hex') });
const downloadsOf = async (id: string) =>
  (await getJson<{ installs?: { downloads: number } }>(`${api(store)}/plugins/${id}`)).body.installs?.downloads ?? 0;
/** Another dashboard downloads the plugin (an install elsewhere) and rates it. */
async function elsewhere(id: string, name: string, rating?: number, words: { title?: string; body?: string } = {}) {
  const who = otherDashboard();
  const before = await downloadsOf(id);
  const download = await request(`${api(store)}/plugins/${id}/download`, { headers: who });
  expect(download.status).toBe(200);
  await download.arrayBuffer();
  // The store counts a download once its stream has ended, which the client may see first; a
  // dashboard rates long after its install, so wait for the count as that order would.
  await eventually(
    () => downloadsOf(id),
    (count) => count > before,
  );
  if (rating === undefined) return;
  const res = await post(`${api(store)}/plugins/${name}/reviews`, { rating, ...words }, who);
  expect(res.status, await res.clone().text()).toBe(201);
}
const stateOf = async (name: string) => (await getJson<{ state?: string }>(`${api(backend)}/plugins/${name}`)).body.state;

/** A page from its top, whole; a dialog as the screen shows it (a full-page picture would cut its backdrop at the fold). */
async function shot(name: string, what: 'page' | 'screen' = 'page') {
  for (const close of await page.locator('.toast-close').all()) await close.click();
  await page.waitForTimeout(300); // let transitions settle so the picture is what a person sees
  const file = path.join(SHOTS, `${name}.png`);
  if (what === 'page') await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: what === 'page' });
}

/** Runs `look` at 1440 px, then at 390 px, where nothing may scroll sideways; screenshots of both. */
async function atBothWidths(name: string, look: () => Promise<void>, what: 'page' | 'screen' = 'page') {
  await look();
  await shot(name, what);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await look();
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(client);
    await shot(`${name}-phone`, what);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
}

const card = (name: string) => page.locator(`article.store-card[data-name="${name}"]`);
const cardNames = () => page.locator('article.store-card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.name));
const confirmDialog = () => page.locator('[data-action="confirm-permissions"]');
const toast = (text: string) => page.locator('.toast', { hasText: text });

beforeAll(async () => {
  // Install counts reach the catalog on the next read, so the Installs order shows without waiting a minute.
  system = await startBrowserSystem('e2e-store-details', { storeEnv: { OKO_STORE_STATS_FOLD_S: '0' } });
  ({ page, store, backend } = system);
});

afterEach(() => {
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('the store details page in Chromium', () => {
  it('a hostile README runs nothing: no script, frame, handler, SVG script or data: URL, and remote images stay links', async () => {
    const name = unique('hostile_readme');
    const id = await publish(hostilePlugin(name));
    const asked: string[] = [];
    const record = (req: { url(): string }) => void asked.push(req.url());
    page.on('request', record);
    await page.goto(`${backend.url}/store/${name}`);
    const readme = page.getByTestId('readme');
    await readme.waitFor(SOON);
    // Every image of the README has loaded or failed: whatever could run has had its chance.
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('[data-testid="readme"] img')].every((i) => i.complete),
    );
    const flag = () => page.evaluate((key) => (window as unknown as Record<string, unknown>)[key], PWNED);
    expect(await flag()).toBeUndefined();

    for (const tag of ['script', 'iframe', 'object', 'embed', 'svg', 'form', 'style', 'input', 'button']) {
      expect(await readme.locator(tag).count(), `<${tag}> in the README`).toBe(0);
    }
    expect(await readme.locator('[onerror], [onload], [style], [srcdoc]').count()).toBe(0);
    expect(await page.locator('iframe').count()).toBe(0);
    // The raw HTML is shown as the text it is.
    expect(await readme.textContent()).toContain('<script>window.top.__okoPwned');

    // Only http(s) links are links, opened apart from this page; javascript:, vbscript: and data: stay text.
    const links = await readme
      .locator('a[href]')
      .evaluateAll((all) => all.map((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]));
    expect(links).toEqual([
      // The address inside the (escaped) style attribute's text, made a link by linkify: a link, never a request.
      ['https://tracker.invalid/bg.png', '_blank', 'noopener noreferrer nofollow'],
      ['https://tracker.invalid/pixel.gif', '_blank', 'noopener noreferrer nofollow'],
      ['https://example.com/docs', '_blank', 'noopener noreferrer nofollow'],
    ]);
    expect(await readme.locator('a[href^="data:"], a[href^="javascript:" i], a[href^="vbscript:"]').count()).toBe(0);
    await readme.getByText('[Data link](data:text/html', { exact: false }).click();
    await readme.getByText('[Click me](javascript:', { exact: false }).click();
    expect(page.url()).toBe(`${backend.url}/store/${name}`);

    // Images come from the package through the backend; the SVG with a script is drawn as an image, where no script runs.
    const images = await readme.locator('img').evaluateAll((all) => all.map((img) => img.getAttribute('src')));
    expect(images).toEqual([`/api/v1/store/${id}/assets/evil.svg`, `/api/v1/store/${id}/assets/img/preview.svg`]);
    expect(await readme.locator('img[alt="preview"]').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    // The remote image is a link, never fetched: the page says why.
    expect(await page.getByTestId('remote-images-note').textContent()).toContain('who opened this page');
    page.off('request', record);
    expect(asked.filter((url) => url.includes('tracker.invalid') || url.startsWith('data:'))).toEqual([]);
    expect(await flag()).toBeUndefined();
  });

  it('shows who made it, what it adds and needs, whether it runs here, its stars and reviews; 390 px does not scroll sideways', async () => {
    const name = unique('uptime_board');
    const id = await publish(uptimePlugin(name));
    await elsewhere(id, name, 5, { title: 'Just works', body: 'Set it up in a minute.\nThe chart is <b>great</b>.' });
    await elsewhere(id, name, 4, { title: 'Good', body: 'Would like more sites per page.' });

    // From its card: the title (the display name) opens the details.
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.getByTestId('store-search').fill(name);
    await card(name).getByTestId('card-title-link').click(SOON);
    await page.waitForURL(`${backend.url}/store/${name}`);
    const details = page.getByTestId('store-details');
    await details.waitFor(SOON);
    expect(await details.locator('h1').textContent()).toBe('Uptime board');
    expect(await details.getByTestId('plugin-id').first().textContent()).toContain(name);
    const facts = page.getByTestId('store-facts');
    expect(await facts.locator('[data-fact="source"]').textContent()).toContain('ZIP upload');
    expect(await facts.locator('[data-fact="size"]').textContent()).toMatch(/^\d+(\.\d)? (B|KB)$/);
    expect(await facts.locator('[data-fact="compatibility"]').getAttribute('data-compatible')).toBe('yes');
    expect(await facts.locator('[data-fact="signature"]').textContent()).toContain('Unsigned');
    expect(await page.getByTestId('store-permissions').textContent()).toContain('Connect to any host on port 443');
    expect(await page.getByTestId('store-adds').textContent()).toContain('A page: Uptime board');
    expect(await page.getByTestId('store-adds').textContent()).toContain('An indicator: Sites up');
    expect(await details.getByTestId('details-tag').allTextContents()).toEqual(['monitoring', 'http']);
    expect(await details.getByTestId('star-rating').first().textContent()).toContain('4.5 out of 5 stars from 2 ratings');
    expect(await details.getByTestId('installs').textContent()).toContain('2 dashboards');
    expect(await page.getByRole('button', { name: 'Install Uptime board' }).count()).toBe(1);

    const reviews = page.getByTestId('reviews');
    await reviews.waitFor(SOON);
    // Newest first; text shown as written, never as HTML.
    expect(await reviews.locator('.review-title').allTextContents()).toEqual(['Good', 'Just works']);
    expect(await reviews.locator('b').count()).toBe(0);
    expect(await reviews.getByTestId('review-body').last().textContent()).toContain('The chart is <b>great</b>.');
    expect(await reviews.getByTestId('verified-install').count()).toBe(2);
    expect(await page.locator('[data-action="rate-plugin"]').count()).toBe(0);

    await atBothWidths('store-details', async () => {
      await page.goto(`${backend.url}/store/${name}`);
      await page.getByTestId('readme').locator('img').first().waitFor(SOON);
      await page.getByTestId('reviews').waitFor(SOON);
    });
  });

  it('sorting by name, newest, rating and installs each puts the cards in its order', async () => {
    const mark = unique('sortmark');
    const names = ['sort_alpha', 'sort_bravo', 'sort_charlie'].map((base) => unique(base));
    const [a, b, c] = names as [string, string, string];
    const plugin = (name: string, display: string) =>
      uptimePlugin(name, { display_name: display, description: `Sorting fixture ${mark}`, tags: [mark] });
    // Published in this order: newest is c, b, a.
    const ids = [
      await publish(plugin(a, 'Alpha sorter')),
      await publish(plugin(b, 'Bravo sorter')),
      await publish(plugin(c, 'Charlie sorter')),
    ];
    // Ratings: b 5, c 4, a 2. Installs: a on 3 dashboards, c on 2, b on 1 (each rating comes with a download).
    await elsewhere(ids[0]!, a, 2);
    await elsewhere(ids[0]!, a);
    await elsewhere(ids[0]!, a);
    await elsewhere(ids[1]!, b, 5);
    await elsewhere(ids[2]!, c, 4);
    await elsewhere(ids[2]!, c);

    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.getByTestId('store-search').fill(mark);
    await expect.poll(cardNames, SOON).toEqual([a, b, c]);
    const orders: Array<[string, string[]]> = [
      ['newest', [c, b, a]],
      ['rating', [b, c, a]],
      ['installs', [a, c, b]],
      ['name', [a, b, c]],
    ];
    for (const [sort, expected] of orders) {
      await page.getByTestId('store-sort').selectOption(sort);
      await expect.poll(cardNames, SOON).toEqual(expected);
      expect(new URL(page.url()).searchParams.get('sort')).toBe(sort === 'name' ? null : sort);
    }
    await page.getByTestId('store-sort').selectOption('rating');
    await expect.poll(cardNames, SOON).toEqual([b, c, a]);
    expect(await card(b).getByTestId('star-rating').textContent()).toContain('5 out of 5 stars from 1 rating');
    // The order survives a reload: it is in the URL.
    await page.reload();
    await page.getByTestId('store-search').fill(mark);
    await expect.poll(cardNames, SOON).toEqual([b, c, a]);
    await atBothWidths('store-tab-sorted', async () => {
      await expect.poll(cardNames, SOON).toEqual([b, c, a]);
    });
  });

  it('a tag chip filters the Store tab, shown as a filter with a remove button; the details page links its tags', async () => {
    const tag = unique('tagx');
    const [tagged, other] = [unique('tagged_one'), unique('untagged_one')];
    await publish(uptimePlugin(tagged, { display_name: 'Tagged one', tags: [tag, 'shared'], description: `Tag fixture ${tag}` }));
    await publish(uptimePlugin(other, { display_name: 'Other one', tags: ['shared'], description: `Tag fixture ${tag}` }));
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.getByTestId('store-search').fill(tag);
    await expect.poll(cardNames, SOON).toEqual([other, tagged]);

    await card(tagged)
      .getByRole('button', { name: `Show plugins tagged ${tag}` })
      .click();
    await expect.poll(cardNames, SOON).toEqual([tagged]);
    expect(new URL(page.url()).searchParams.get('tag')).toBe(tag);
    expect(await page.getByTestId('active-tag').textContent()).toContain(tag);
    await page.getByRole('button', { name: `Remove the tag filter ${tag}` }).click();
    await expect.poll(cardNames, SOON).toEqual([other, tagged]);
    expect(new URL(page.url()).searchParams.get('tag')).toBeNull();

    await page.goto(`${backend.url}/store/${tagged}`);
    await page.getByTestId('details-tag').filter({ hasText: tag }).click();
    await page.waitForURL((url) => url.pathname === '/plugins' && url.searchParams.get('tag') === tag);
    await expect.poll(cardNames, SOON).toEqual([tagged]);
  });

  it('Install on a card installs and starts the plugin in one go, and then offers Open', async () => {
    const name = unique('run_at_once');
    await publish(uptimePlugin(name, { display_name: 'Run at once' }));
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.getByTestId('store-search').fill(name);
    await card(name).getByRole('button', { name: 'Install Run at once' }).click(SOON);
    await page.getByRole('dialog', { name: 'Install Run at once?' }).waitFor(SOON);
    await confirmDialog().click();
    await toast('Run at once is installed and running').waitFor(SOON);
    expect(await stateOf(name)).toBe('active');
    await card(name).locator('.state-badge[data-state="active"]').waitFor(SOON);
    await card(name).getByRole('link', { name: 'Open Run at once' }).click();
    await page.waitForURL(`${backend.url}/plugins/${name}`);
  });

  it('a plugin that fails to start is installed, and the card says it did not start and why', async () => {
    const broken = uniqueFixture(BROKEN);
    await publish(broken);
    await page.goto(`${backend.url}/store/${broken.name}`);
    await page.getByRole('button', { name: `Install ${broken.name}` }).click(SOON);
    await page.getByRole('dialog', { name: `Install ${broken.name}?` }).waitFor(SOON);
    await confirmDialog().click();
    const error = page.getByTestId('install-error');
    await error.waitFor(SOON);
    expect(await error.textContent()).toContain(`${broken.name} is installed but did not start`);
    expect(await error.textContent()).toContain('probe hardware not found');
    expect(await stateOf(broken.name)).toBe('error');
  });

  it('rates and reviews an installed plugin: post, see it listed, replace it', async () => {
    const name = unique('rated_board');
    const id = await publish(uptimePlugin(name, { display_name: 'Rated board' }));
    await page.goto(`${backend.url}/store/${name}`);
    await page.getByTestId('reviews-section').getByText('Install the plugin to rate it').waitFor(SOON);
    expect(await page.locator('[data-action="rate-plugin"]').count()).toBe(0);
    expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);

    await page.reload();
    const rate = page.getByRole('button', { name: 'Rate Rated board' });
    const dialog = page.getByTestId('rate-dialog');
    await rate.click(SOON);
    await dialog.waitFor(SOON);
    // The dialog focuses its first field, the first star.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.stars)).toBe('1');
    // The keyboard chooses: Space takes the first star, each arrow one more.
    await dialog.locator('input[data-stars="1"]').focus();
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await dialog.locator('input[data-stars="4"]').isChecked()).toBe(true);
    await dialog.getByTestId('review-title').fill('Solid <i>tool</i>');
    expect(await dialog.getByTestId('title-left').textContent()).toBe(`${120 - 'Solid <i>tool</i>'.length} characters left`);
    await dialog.getByTestId('review-body').fill('Watches 12 sites for us.');
    await atBothWidths('store-rate-dialog', () => dialog.waitFor(SOON), 'screen');
    await page.locator('[data-action="send-review"]').click();
    await toast('your review of Rated board is posted').waitFor(SOON);
    const reviews = page.getByTestId('reviews');
    await reviews.locator('.review-title', { hasText: 'Solid <i>tool</i>' }).waitFor(SOON);
    expect(await reviews.locator('i').count()).toBe(0);
    expect(await reviews.locator('li.review').count()).toBe(1);
    expect(await reviews.locator('li.review[data-mine]').count()).toBe(1);
    // The backend downloaded it to install it: a verified install.
    expect(await reviews.getByTestId('verified-install').count()).toBe(1);

    // A second post replaces the first: still one review, now with the new words.
    await rate.click();
    await dialog.waitFor(SOON);
    expect(await page.getByRole('dialog').locator('h2').textContent()).toBe('Change your review of Rated board');
    expect(await dialog.getByTestId('review-title').inputValue()).toBe('Solid <i>tool</i>');
    await dialog.locator('label:has(input[data-stars="2"])').click();
    await dialog.getByTestId('review-title').fill('Slower lately');
    await page.locator('[data-action="send-review"]').click();
    await reviews.locator('.review-title', { hasText: 'Slower lately' }).waitFor(SOON);
    expect(await reviews.locator('li.review').count()).toBe(1);
    expect(await page.getByTestId('reviews-section').getByTestId('star-rating').first().textContent()).toContain(
      '2 out of 5 stars from 1 rating',
    );
    const listed = (await getJson<{ total: number; reviews: Array<{ rating: number }> }>(`${api(store)}/plugins/${name}/reviews`)).body;
    expect(listed.total).toBe(1);
    expect(listed.reviews[0]!.rating).toBe(2);

    // The installed plugin's own page offers the same, with this dashboard's review.
    await page.goto(`${backend.url}/plugins/${name}`);
    const panel = page.getByTestId('rate-panel');
    await panel.getByText('This dashboard gave it 2 of 5').waitFor(SOON);
  });

  it('Upload ZIP, then Install now: the uploaded plugin ends installed and running; the same ZIP again leads to that entry', async () => {
    const name = unique('fresh_upload');
    const zip = await pluginZip(uptimePlugin(name, { display_name: 'Fresh upload' }));
    await page.goto(`${backend.url}/plugins?tab=store`);
    await page.locator('[data-action="open-upload-zip"]').click();
    const dialog = page.getByRole('dialog', { name: 'Upload a plugin ZIP' });
    await dialog.locator('input[type="file"]').setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: zip });
    await dialog.locator('[data-action="upload-zip"]').click();
    await dialog.getByTestId('upload-done').waitFor(SOON);
    expect(await dialog.getByTestId('upload-done').textContent()).toContain('Fresh upload');
    // Said once, in the dialog, by its name: no toast repeats it by the plugin's id.
    expect(await toast('uploaded').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Install Fresh upload now' }).click();
    await page.getByRole('dialog', { name: 'Install Fresh upload?' }).waitFor(SOON);
    await confirmDialog().click();
    await toast('Fresh upload is installed and running').waitFor(SOON);
    expect(await stateOf(name)).toBe('active');

    // The same ZIP again: refused (versions are immutable), with the way to the entry that has it.
    await page.locator('[data-action="open-upload-zip"]').click();
    await dialog.locator('input[type="file"]').setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: zip });
    await dialog.locator('[data-action="upload-zip"]').click();
    await dialog.getByTestId('upload-existing').waitFor(SOON);
    await dialog.locator('[data-action="open-existing"]').click();
    await page.waitForURL(`${backend.url}/store/${name}`);
    await page.getByTestId('store-details').waitFor(SOON);
  });

  it('the keyboard reaches a card title link and its Install button, which names the plugin', async () => {
    const name = unique('keyboard_kit');
    await publish(uptimePlugin(name, { display_name: 'Keyboard kit', tags: [] }));
    await page.goto(`${backend.url}/plugins?tab=store`);
    const search = page.getByTestId('store-search');
    await search.fill(name);
    await expect.poll(cardNames, SOON).toEqual([name]);
    await search.focus();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return `${el?.dataset.testid ?? el?.dataset.action ?? el?.tagName}:${el?.getAttribute('aria-label') ?? el?.textContent?.trim()}`;
      });
    const tabUntil = async (target: string) => {
      for (let i = 0; i < 30 && (await focused()) !== target; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(target);
    };
    await tabUntil('card-title-link:Keyboard kit');
    await tabUntil('install:Install Keyboard kit');
    // Nothing else to stop at between them (no tags, one version), so one step back is the title.
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('card-title-link:Keyboard kit');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${backend.url}/store/${name}`);
    await page.getByTestId('store-details').waitFor(SOON);
  });
});
