import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../test-support/postgres.js';
import { startStore } from '../test-support/processes.js';
import { startS3, type S3Server } from '../test-support/s3.js';
import { startTcpLink, type TcpLink } from '../test-support/tcp-link.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// Settings' "Plugin store" panel and the plugins page's store pill in Chromium for a self-hosted
// store on PostgreSQL with packages in S3 (real PostgreSQL, s3rver, store and backend processes):
// what the store's /health says of its database, its bucket and refused writes is shown, and
// follows the database going away and coming back. The database is reached through a TCP link the
// test cuts. Then an embedded store whose plugins.json breaks. Screenshots at 1440 and 390 px.

// The panel re-reads every 10 s, the pill every 15 s; a busy shared machine gets generous room on top.
const SOON = { timeout: 45_000 };
let postgres: PostgresServer;
let s3: S3Server;
let link: TcpLink;
let system: BrowserSystem;
let page: Page;

beforeAll(async () => {
  postgres = await startPostgres();
  s3 = await startS3();
  link = await startTcpLink(postgres.port);
  const database = link.through(await postgres.createDatabase('e2e_health'));
  system = await startBrowserSystem('e2e-store-health', { storeEnv: { OKO_STORE_DATABASE_URL: database, ...s3.env } });
  page = system.page;
}, 120_000);

afterEach(() => {
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
  await link?.close();
  await s3?.stop();
  await postgres?.stop();
});

const panel = () => page.getByTestId('store-settings');
const fact = (id: string) => panel().getByTestId(id);
const pill = () => page.getByTestId('store-pill');
const pillWords = () => pill().locator('.label').textContent();

/** Screenshots at 1440 px and at 390 px, where nothing may scroll sideways; `ready` is on screen at both. */
async function atBothWidths(name: string, ready: () => Locator): Promise<void> {
  const shoot = async (file: string) => {
    await page.waitForTimeout(300); // let transitions settle so the picture is what a person sees
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${file}.png`), fullPage: true });
  };
  await shoot(name);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await ready().waitFor(SOON);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(client);
    await shoot(`${name}-phone`);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
}

/** The pill is amber and says degraded and read-only, with `why` in its tooltip. */
async function expectDegradedPill(why: string): Promise<void> {
  await expect.poll(pillWords, SOON).toBe('Store degraded · read-only');
  expect(await pill().getAttribute('data-state')).toBe('degraded');
  expect(await pill().getAttribute('title')).toContain(why);
  // Amber: the colour of the degraded facts in Settings, between green and red.
  expect(await pill().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(180, 83, 9)');
}

describe("Settings and the store pill show the store's health", () => {
  it('shows the database, the package bucket, writes and the version; then degraded and read-only while PostgreSQL is away, and back', async () => {
    await page.goto(`${system.backend.url}/plugins?tab=settings`);
    await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Available');
    expect(await fact('store-writes').textContent()).toContain('Accepted');
    expect(await fact('store-database').textContent()).toContain('Reachable');
    expect(await fact('store-database').textContent()).toContain('change feed connected');
    expect(await fact('store-blob-store').textContent()).toContain('Reachable');
    expect(await fact('store-version').textContent()).toMatch(/^\s*\d+\.\d+\.\d+\S*\s*$/);
    expect((await fact('store-catalog-size').textContent())?.trim()).toBe('0 plugin versions');
    expect(await fact('store-status-reason').count()).toBe(0);
    await atBothWidths('settings-store-health', () => fact('store-status'));

    await page.goto(`${system.backend.url}/plugins?tab=store`);
    await expect.poll(pillWords, SOON).toBe('Store online');
    expect(await pill().getAttribute('data-state')).toBe('online');
    await atBothWidths('plugins-store-online', pill);

    link.cut();
    try {
      await page.goto(`${system.backend.url}/plugins?tab=settings`);
      await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Degraded');
      // Plain words first; the store's own reason (an error code and what answers 503) under them. The
      // change feed's drop may be seen a moment before the database's.
      await expect.poll(() => fact('store-status-reason').textContent(), SOON).toContain("The store's database does not answer");
      expect(await fact('store-status-detail').textContent()).toContain('PostgreSQL cannot be reached');
      expect(await fact('store-writes').textContent()).toContain('Refused');
      expect(await fact('store-database').textContent()).toContain('Unreachable');
      expect(await fact('store-blob-store').textContent()).toContain('Reachable');
      // Degraded is amber, between the green of Available and the red of Unavailable.
      expect(await fact('store-status').getAttribute('class')).toContain('degraded');
      await atBothWidths('settings-store-degraded', () => fact('store-status'));

      // The catalog still lists (from the replica's copy): the pill must not stay green for it.
      await page.goto(`${system.backend.url}/plugins?tab=store`);
      await expectDegradedPill("The store's database does not answer");
      await atBothWidths('plugins-store-degraded', pill);
    } finally {
      link.mend();
    }
    // Left open on the plugins page, the pill turns green again by itself.
    await expect.poll(pillWords, SOON).toBe('Store online');
    await page.goto(`${system.backend.url}/plugins?tab=settings`);
    await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Available');
    expect(await fact('store-writes').textContent()).toContain('Accepted');
  }, 180_000);
});

describe('an embedded store whose plugins.json breaks', () => {
  let embedded: BrowserSystem;
  beforeAll(async () => {
    // The example plugins, so the Store tab has cards to serve while the catalog is read-only.
    embedded = await startBrowserSystem('e2e-store-catalog', { storeEnv: { OKO_STORE_SEED: 'true' } });
  }, 120_000);
  afterEach(() => {
    expect(embedded.takePageErrors()).toEqual([]);
  });
  afterAll(async () => {
    await embedded?.stop();
  });

  /** Stops the store, lets `change` touch its folder, and starts it again on the same port. */
  async function restartStore(change: () => Promise<void>): Promise<void> {
    const port = Number(new URL(embedded.store.url).port);
    await embedded.store.stop();
    await change();
    embedded.store = await startStore({ storageDir: embedded.storageDir, port });
  }

  it('turns the pill amber, degraded and read-only, while the cards stay; Settings says why in words; green once it is repaired', async () => {
    page = embedded.page;
    const catalog = path.join(embedded.storageDir, 'plugins.json');
    const good = await readFile(catalog);
    await page.goto(`${embedded.backend.url}/plugins?tab=store`);
    await expect.poll(pillWords, SOON).toBe('Store online');
    await expect.poll(() => page.locator('[data-store-plugin]').count(), SOON).toBeGreaterThan(0);
    const cards = await page.locator('[data-store-plugin]').count();

    await restartStore(() => writeFile(catalog, good.subarray(0, good.length / 2)));
    try {
      await expectDegradedPill("The store's catalog could not be read in full");
      expect(await pill().getAttribute('title')).toContain('Installing still works');
      expect(await page.locator('[data-store-plugin]').count()).toBe(cards);
      // A phone has no tooltip: the tab says what read-only means there too.
      expect(await page.getByTestId('store-read-only').textContent()).toContain('Installing still works');
      // Refused before a file is picked, not after it is sent.
      expect(await page.locator('[data-action="open-upload-zip"]').isDisabled()).toBe(true);
      expect(await page.getByTestId('store-writes-refused').textContent()).toContain('refuses uploads and imports');

      await page.getByRole('tab', { name: /Settings/ }).click();
      await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Degraded');
      expect(await fact('store-status-reason').textContent()).toContain("The store's catalog could not be read in full");
      expect(await fact('store-status-detail').textContent()).toContain('plugins.json is unreadable');
      expect(await fact('store-writes').textContent()).toContain('Refused');
      await atBothWidths('settings-store-catalog-broken', () => fact('store-status'));
      await page.getByRole('tab', { name: /Store/ }).click();
      await atBothWidths('plugins-store-catalog-broken', pill);
    } finally {
      // The operator puts the catalog back (from a backup, or `npm run store:recover`).
      await restartStore(() => writeFile(catalog, good));
    }
    await expect.poll(pillWords, SOON).toBe('Store online');
    expect(await page.getByTestId('store-read-only').count()).toBe(0);
    expect(await page.locator('[data-action="open-upload-zip"]').isDisabled()).toBe(false);
  }, 180_000);
});
