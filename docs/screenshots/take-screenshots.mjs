// Regenerates the screenshots in this folder: starts the whole system the way `npm start` does
// (after `npm run build`), with fresh temporary data, and clicks through it in headless Chromium.
//   node docs/screenshots/take-screenshots.mjs
// Needs Debian's chromium (CHROMIUM_PATH to use another). Ports: SHOT_PORT and SHOT_PORT + 1.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = import.meta.dirname;
const root = path.resolve(here, '../..');
const port = Number(process.env.SHOT_PORT ?? 18400);
const dashboard = `http://127.0.0.1:${port}`;
const storeUrl = `http://127.0.0.1:${port + 1}`;
const data = await mkdtemp(path.join(os.tmpdir(), 'oko-shots-'));
await chmod(data, 0o755); // plugins run as another user, which must reach their folders
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
    await page.locator('[data-action="confirm-permissions"]').click(); // what it may reach, confirmed
    await card.getByTestId('installed-mark').waitFor(SOON);
  }
  await page.getByRole('tab', { name: /Installed/ }).click();
  // Install ends with the plugin running: no Load needed.
  for (const name of names) {
    const card = page.locator(`article.installed-card[data-plugin="${name}"]`);
    await card.locator('.state-badge[data-state="active"]').waitFor(SOON);
  }
  await shot('installed');

  // http_probe from its menu entry: the counts the dashboard draws, and the plugin's own page below
  // them, where targets are named, probed and removed. A small web server of the script's own to
  // probe, beside the dashboard's port (which the sandbox keeps every plugin from) and a closed one.
  const web = http.createServer((_req, res) => res.end('ok')).listen(port + 2, '127.0.0.1');
  await page.goto(`${dashboard}/plugins/http_probe`);
  const probe = page.frameLocator('iframe[data-testid="plugin-page-frame"]');
  const targets = [
    [`http://127.0.0.1:${port + 2}/health`, 'Team wiki'],
    [`tcp://127.0.0.1:${port + 2}`, 'Team wiki port'],
    [`http://127.0.0.1:${port}/api/v1/health`, 'Dashboard API'],
    ['tcp://localhost:9', 'Legacy service'],
  ];
  for (const [url, name] of targets) {
    await probe.locator('body[data-ready="true"]').waitFor(SOON);
    await probe.getByLabel('Address').fill(url);
    await probe.getByLabel('Name').fill(name);
    await probe.getByRole('button', { name: 'Add target' }).click();
    await probe.locator('tr', { hasText: name }).waitFor(SOON);
  }
  await probe.locator('body[data-ready="true"]').waitFor(SOON);
  await probe.getByRole('button', { name: 'Probe all now' }).click();
  await probe.getByText('0 not probed yet').waitFor(SOON);
  await page.waitForTimeout(6000); // "just now" turns into "6 s ago"
  await shot('http-probe-details');
  web.close();

  // notes from its menu entry: the notes pad itself.
  await page.goto(`${dashboard}/plugins/notes`);
  const notes = page.frameLocator('iframe[data-testid="plugin-page-frame"]');
  for (const [title, text] of [['Release checklist', 'Tag 1.1.0\nPublish the example plugins\nAnnounce on the team channel'], ['On-call', 'Store health check runs every 10 s in Compose']]) {
    await notes.locator('body[data-ready="true"]').waitFor(SOON);
    await notes.locator('#note-title').fill(title);
    await notes.locator('#note-text').fill(text);
    await notes.getByRole('button', { name: 'Add note' }).click();
    await notes.getByRole('heading', { name: title }).waitFor(SOON);
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
