// Regenerates the screenshots in this folder: starts the whole system the way `npm start` does
// (after `npm run build`), with fresh temporary data, and clicks through it in headless Chromium.
//   node docs/screenshots/take-screenshots.mjs
// Needs Debian's chromium (CHROMIUM_PATH to use another). Ports: SHOT_PORT and SHOT_PORT + 1.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = import.meta.dirname;
const root = path.resolve(here, '../..');
const port = Number(process.env.SHOT_PORT ?? 18400);
const dashboard = `http://127.0.0.1:${port}`;
const storeUrl = `http://127.0.0.1:${port + 1}`;
const data = await mkdtemp(path.join(os.tmpdir(), 'oko-shots-'));
const SOON = { timeout: 30_000 };

const system = spawn(process.execPath, [path.join(root, 'scripts/start-all.mjs')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    OKO_PORT: String(port),
    OKO_STORE_PORT: String(port + 1),
    OKO_STORE_URL: `${storeUrl}/api/v1`,
    OKO_STORE_STORAGE_PATH: path.join(data, 'store'),
    OKO_PLUGINS_DIR: path.join(data, 'plugins'),
    OKO_DATA_DIR: path.join(data, 'backend'),
  },
});
await new Promise((resolve, reject) => {
  let out = '';
  system.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('OKO dashboard is ready')) resolve();
  });
  system.once('exit', () => reject(new Error(`the system stopped before it was ready:\n${out}`)));
});

const profile = await mkdtemp(path.join(os.tmpdir(), 'oko-shots-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
});
const page = await context.newPage();
const shot = async (name) => {
  await page.waitForTimeout(500); // let transitions and polls settle
  await page.screenshot({ path: path.join(here, `${name}.png`), fullPage: true });
  console.log(`saved docs/screenshots/${name}.png`);
};

try {
  // The store tab of a fresh system: the seeded example plugins.
  await page.goto(`${dashboard}/plugins?tab=store`);
  const names = ['host_stats', 'http_probe', 'notes'];
  for (const name of names) await page.locator(`article.store-card[data-name="${name}"]`).waitFor(SOON);
  await shot('store');

  for (const name of names) {
    const card = page.locator(`article.store-card[data-name="${name}"]`);
    await card.locator('[data-action="install"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
  }
  await page.getByRole('tab', { name: /Installed/ }).click();
  for (const name of names) {
    const card = page.locator(`article.installed-card[data-plugin="${name}"]`);
    await card.locator('[data-action="load"]').click();
    await card.locator('.state-badge[data-state="active"]').waitFor(SOON);
  }
  await shot('installed');

  // http_probe's own page: name a few endpoints (this system's own services), probe them.
  await page.goto(`${dashboard}/api/v1/plugins/http_probe/page`);
  const targets = [
    { host: '127.0.0.1', port, kind: 'http', path: '/api/v1/health' },
    { host: '127.0.0.1', port: port + 1, kind: 'http', path: '/api/v1/health' },
    { host: '127.0.0.1', port: port + 1, kind: 'http', path: '/docs' },
    { host: 'localhost', port: port + 1, kind: 'tcp' },
    { host: 'localhost', port: 9, kind: 'tcp' },
  ];
  for (const t of targets) {
    await page.fill('input[name=host]', t.host);
    await page.fill('input[name=port]', String(t.port));
    await page.selectOption('select[name=kind]', t.kind);
    if (t.path) await page.fill('input[name=path]', t.path);
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
  }
  await Promise.all([page.waitForEvent('load'), page.click('#probe')]);
  await shot('http-probe-page');

  // The details page, drawn by the dashboard from http_probe's page manifest.
  await page.goto(`${dashboard}/plugins/http_probe`);
  await page.locator('[data-page-action="probe_all"]').click();
  await page.locator('tr.group-row').first().waitFor(SOON);
  await shot('http-probe-details');

  // notes: its HTML page, reached from the menu.
  await page.goto(`${dashboard}/api/v1/plugins/notes/page`);
  for (const [title, text] of [['Release checklist', 'Tag 1.1.0\nPublish the example plugins\nAnnounce on the team channel'], ['On-call', 'Store health check runs every 10 s in Compose']]) {
    await page.fill('#note-title', title);
    await page.fill('#note-text', text);
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
  }
  await shot('notes-page');

  // The dashboard home: host_stats indicators with live values, menu entries of the plugins.
  await page.goto(dashboard);
  await page.locator('[data-indicator="CPU load"]').getByTestId('stat-value').waitFor(SOON);
  await page.locator('[data-indicator="Uptime"]').getByTestId('stat-value').waitFor(SOON);
  await shot('home');

  await page.goto(`${dashboard}/plugins?tab=settings`);
  await page.waitForLoadState('networkidle');
  await shot('settings');
} finally {
  await context.close();
  system.kill('SIGTERM');
  await new Promise((resolve) => system.once('exit', resolve));
  await rm(profile, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
}
