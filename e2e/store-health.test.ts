import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../test-support/postgres.js';
import { startS3, type S3Server } from '../test-support/s3.js';
import { startTcpLink, type TcpLink } from '../test-support/tcp-link.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// Settings' "Plugin store" panel in Chromium for a self-hosted store on PostgreSQL with packages in
// S3 (real PostgreSQL, s3rver, store and backend processes): what the store's /health says of its
// database, its bucket and refused writes is shown, and follows the database going away and coming
// back. The database is reached through a TCP link the test cuts. Screenshots at 1440 and 390 px.

// The panel re-reads every 10 s; a busy shared machine gets generous room on top.
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

/** Screenshots of the Settings tab at 1440 px and at 390 px, where nothing may scroll sideways. */
async function atBothWidths(name: string): Promise<void> {
  const shoot = async (file: string) => {
    await page.waitForTimeout(300); // let transitions settle so the picture is what a person sees
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${file}.png`), fullPage: true });
  };
  await shoot(name);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await fact('store-status').waitFor(SOON);
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

describe("Settings shows the store's health", () => {
  it('shows the database, the package bucket, writes and the version; then degraded and read-only while PostgreSQL is away, and back', async () => {
    await page.goto(`${system.backend.url}/plugins?tab=settings`);
    await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Available');
    expect(await fact('store-writes').textContent()).toContain('Accepted');
    expect(await fact('store-database').textContent()).toContain('Reachable');
    expect(await fact('store-database').textContent()).toContain('change feed connected');
    expect(await fact('store-blob-store').textContent()).toContain('Reachable');
    expect(await fact('store-version').textContent()).toMatch(/^\s*\d+\.\d+\.\d+.*, 0 plugin versions in its catalog\s*$/);
    expect(await fact('store-status-reason').count()).toBe(0);
    await atBothWidths('settings-store-health');

    link.cut();
    try {
      await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Degraded');
      expect(await fact('store-status-reason').textContent()).toContain('PostgreSQL cannot be reached');
      expect(await fact('store-writes').textContent()).toContain('Refused');
      expect(await fact('store-database').textContent()).toContain('Unreachable');
      expect(await fact('store-blob-store').textContent()).toContain('Reachable');
      // Degraded is amber, between the green of Available and the red of Unavailable.
      expect(await fact('store-status').getAttribute('class')).toContain('degraded');
      await atBothWidths('settings-store-degraded');
    } finally {
      link.mend();
    }
    await expect.poll(() => fact('store-status').textContent(), SOON).toContain('Available');
    expect(await fact('store-writes').textContent()).toContain('Accepted');
  }, 180_000);
});
