import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_FILE, SIGNATURE_FORMAT } from '@oko/shared';
import { generateKeyPair, signPayload, type SignaturePayload, type SigningKeyPair } from '@oko/shared/archive';
import type { RunningService } from '../test-support/service.js';
import { eventually } from '../test-support/eventually.js';
import { pluginFiles, pluginZip, zipFiles } from '../test-support/fixtures.js';
import { api, getJson, post, uploadZip } from '../test-support/http.js';
import { startBackend } from '../test-support/processes.js';
import { SHOTS, startBrowserSystem, type BrowserSystem } from './browser-system.js';

// Signatures in Chromium against a real store and backend: the trusted keys in Settings (a folder
// key named by its file, a key added in the form, a bad key refused with the backend's message,
// removal), an unsigned plugin's store card, install dialog and installed card, and plugins signed by
// a trusted and by an unknown key, at 1440 and 390 px.

const SOON = { timeout: 30_000 };

let root: string;
let keysDir: string;
let store: RunningService;
let backend: RunningService;
let system: BrowserSystem;
let page: Page;

/** An Ed25519 public key as `oko-plugin keygen` writes it, with its key id (first 16 hex of the SHA-256 of the raw key). */
function publicKey(): { pem: string; keyId: string } {
  const { publicKey: key } = generateKeyPairSync('ed25519');
  const raw = key.export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    pem: key.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
  };
}

/** The key in the OKO_TRUSTED_KEYS folder, as e2e-folder.pem: plugins signed with it are verified. */
const folderKey: SigningKeyPair = generateKeyPair();

/** Publishes a plugin signed with `key` as `oko-plugin sign` would, under a self-declared `signer`. */
async function publishSigned(name: string, key: SigningKeyPair, signer: string): Promise<void> {
  const files = pluginFiles({ name, version: '1.0.0', description: `Signed fixture ${name}`, author: 'OKO QA' });
  const hashes = Object.fromEntries(
    Object.entries(files).map(([file, content]) => [file, createHash('sha256').update(content).digest('hex')]),
  );
  const payload: Omit<SignaturePayload, 'key_id'> = {
    format: SIGNATURE_FORMAT,
    plugin: name,
    version: '1.0.0',
    files: hashes,
    signer,
    signed_at: new Date().toISOString(),
  };
  const zip = await zipFiles({ ...files, [SIGNATURE_FILE]: JSON.stringify(signPayload(payload, key.privateKeyPem)) });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: `${name}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** At 860 px and below the runtime header lives in the drawer behind the menu button. */
async function openDrawerWhenNarrow() {
  if (page.viewportSize()!.width <= 860) await page.getByTestId('sidebar-menu-button').click();
}

/** The store tab searched for `q`. */
async function searchStore(q: string) {
  await page.goto(`${backend.url}/plugins?tab=store`);
  await page.getByTestId('store-search').fill(q);
}
const storeCard = (name: string) => page.locator(`article.store-card[data-name="${name}"]`);

async function shot(name: string) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Runs `look` at 1440 px, then again at 390 px (no sideways scrolling there), with screenshots of both. */
async function atBothWidths(name: string, look: () => Promise<void>) {
  await look();
  await shot(name);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await look();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(390);
    await shot(`${name}-phone`);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
}

beforeAll(async () => {
  system = await startBrowserSystem('e2e-signatures', {
    prepare: async (dir) => {
      keysDir = path.join(dir, 'trusted-keys');
      await mkdir(keysDir);
      await writeFile(path.join(keysDir, 'e2e-folder.pem'), folderKey.publicKeyPem);
      return { OKO_TRUSTED_KEYS: keysDir, OKO_SIGNATURE_POLICY: 'warn' };
    },
  });
  ({ page, store, backend, root } = system);
});

afterEach(() => {
  // Every test answers for the errors its own page raised.
  expect(system.takePageErrors()).toEqual([]);
});

afterAll(async () => {
  await system?.stop();
});

describe('signatures in Chromium', () => {
  it('Settings lists the folder key by its file, adds a key, refuses a bad one with its message, and removes the added one', async () => {
    await page.goto(`${backend.url}/plugins?tab=settings`);
    const panel = page.getByTestId('trusted-keys');
    const row = (keyId: string) => panel.locator(`li[data-key-id="${keyId}"]`);
    await row(folderKey.keyId).waitFor(SOON);
    expect(await page.getByTestId('signature-policy').getAttribute('data-policy')).toBe('warn');
    expect(await row(folderKey.keyId).textContent()).toContain('e2e-folder.pem');
    expect(await row(folderKey.keyId).locator('[data-action="remove-key"]').count()).toBe(0);

    const added = publicKey();
    await panel.locator('input[name="name"]').fill('e2e-team');
    await panel.locator('textarea[name="public_key"]').fill(added.pem);
    await panel.locator('[data-action="add-key"]').click();
    await row(added.keyId).waitFor(SOON);
    expect(await row(added.keyId).textContent()).toContain('e2e-team');
    const listed = (await getJson<{ keys: { key_id: string; name: string; source: string }[] }>(`${api(backend)}/trust/keys`)).body;
    expect(listed.keys).toContainEqual(expect.objectContaining({ key_id: added.keyId, name: 'e2e-team', source: 'settings' }));

    await panel.locator('input[name="name"]').fill('broken');
    await panel.locator('textarea[name="public_key"]').fill('-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n');
    await panel.locator('[data-action="add-key"]').click();
    const refused = page.getByTestId('add-key-error');
    await refused.waitFor(SOON);
    expect((await refused.textContent())?.trim().length).toBeGreaterThan(0);
    await atBothWidths('signatures-settings', async () => {
      await page.goto(`${backend.url}/plugins?tab=settings`);
      await row(added.keyId).waitFor(SOON);
      await panel.scrollIntoViewIfNeeded();
    });

    const removeDialog = page.getByTestId('remove-key-dialog');
    await atBothWidths('signatures-remove-key', async () => {
      // opened once; it stays open while the width changes
      if (!(await removeDialog.isVisible())) await row(added.keyId).locator('[data-action="remove-key"]').click();
      await removeDialog.waitFor(SOON);
    });
    await page.locator('[data-action="confirm-remove-key"]').click();
    await row(added.keyId).waitFor({ state: 'detached', ...SOON });
    const after = (await getJson<{ keys: { key_id: string }[] }>(`${api(backend)}/trust/keys`)).body;
    expect(after.keys.map((key) => key.key_id)).toEqual([folderKey.keyId]);
  });

  it('an unsigned plugin shows "Unsigned" on its store card, the install dialog warns, and the installed card keeps the badge', async () => {
    const manifest = { name: 'loose_pad', version: '1.0.0', description: 'An unsigned fixture', author: 'OKO QA', capabilities: [] };
    const zip = await pluginZip({ name: 'loose_pad', version: '1.0.0', files: { 'manifest.json': JSON.stringify(manifest) } });
    const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: 'loose_pad.zip' });
    expect(res.status, await res.clone().text()).toBe(201);
    const card = page.locator('article.store-card[data-name="loose_pad"]');
    const openCard = async () => {
      await page.goto(`${backend.url}/plugins?tab=store`);
      await page.getByTestId('store-search').fill('loose_pad');
      await card.waitFor(SOON);
    };

    await openCard();
    const badge = card.getByTestId('signature-badge');
    expect(await badge.getAttribute('data-signature')).toBe('unsigned');
    expect(await badge.textContent()).toContain('Unsigned');
    await atBothWidths('signatures-store-card', openCard);

    await card.locator('[data-action="install"]').click();
    const warning = page.getByTestId('signature-warning');
    await warning.waitFor(SOON);
    expect(await warning.getAttribute('data-tone')).toBe('warning');
    expect(await warning.textContent()).toContain('Not signed');
    await atBothWidths('signatures-install-dialog', async () => {
      await warning.waitFor(SOON);
    });
    await page.locator('[data-action="confirm-permissions"]').click();
    await card.getByTestId('installed-mark').waitFor(SOON);
    const installed = (await getJson<{ signature?: { state: string } }>(`${api(backend)}/plugins/loose_pad`)).body;
    expect(installed.signature?.state).toBe('unsigned');

    const installedCard = page.locator('article.installed-card[data-plugin="loose_pad"]');
    await atBothWidths('signatures-installed', async () => {
      await page.goto(`${backend.url}/plugins?tab=installed`);
      await installedCard.getByTestId('signature-badge').waitFor(SOON);
    });
    expect(await installedCard.getByTestId('signature-badge').textContent()).toContain('Unsigned');
    await atBothWidths('signatures-details', async () => {
      await page.goto(`${backend.url}/plugins/loose_pad`);
      await openDrawerWhenNarrow();
      await page.getByTestId('runtime-header').getByTestId('signature-badge').waitFor(SOON);
    });
    expect((await post(`${api(backend)}/store/loose_pad/uninstall`)).status).toBe(200);
  });

  it('a plugin signed by a trusted key is "Verified" with the key name; one signed by an unknown key is not, whatever signer it claims', async () => {
    await publishSigned('trusted_pad', folderKey, 'Someone Else Entirely');
    // The stranger claims the trusted key's name as its signer: only the key id decides.
    await publishSigned('stranger_pad', generateKeyPair(), 'e2e-folder');
    await searchStore('signed fixture');
    const trusted = storeCard('trusted_pad');
    const stranger = storeCard('stranger_pad');
    await trusted.waitFor(SOON);
    await stranger.waitFor(SOON);
    expect(await trusted.getByTestId('signature-badge').getAttribute('data-signature')).toBe('valid');
    expect(await trusted.getByTestId('signature-badge').textContent()).toContain('Verified: e2e-folder');
    expect(await trusted.getByTestId('self-declared-signer').textContent()).toContain('Self-declared signer: Someone Else Entirely');
    expect(await stranger.getByTestId('signature-badge').getAttribute('data-signature')).toBe('untrusted');
    expect(await stranger.getByTestId('signature-badge').textContent()).toContain('Signed, not trusted');
    await atBothWidths('signatures-signed-cards', async () => {
      await searchStore('signed fixture');
      await stranger.waitFor(SOON);
    });

    await stranger.locator('[data-action="install"]').click();
    const warning = page.getByTestId('signature-warning');
    await warning.waitFor(SOON);
    expect(await warning.textContent()).toContain('does not trust');
    await page.locator('[data-action="cancel-permissions"]').click();

    await trusted.locator('[data-action="install"]').click();
    await page.getByTestId('permissions-dialog').waitFor(SOON);
    expect(await warning.count()).toBe(0);
    await page.locator('[data-action="confirm-permissions"]').click();
    await trusted.getByTestId('installed-mark').waitFor(SOON);
    const installed = (await getJson<{ signature?: { state: string; key_name?: string } }>(`${api(backend)}/plugins/trusted_pad`)).body;
    expect(installed.signature).toMatchObject({ state: 'valid', key_name: 'e2e-folder' });
    await page.goto(`${backend.url}/plugins?tab=installed`);
    const badge = page.locator('article.installed-card[data-plugin="trusted_pad"]').getByTestId('signature-badge');
    await badge.waitFor(SOON);
    expect(await badge.textContent()).toContain('Verified: e2e-folder');
    expect(await badge.textContent()).not.toContain('Someone Else');
  });

  it('a plugin whose file changed after install shows "Modified" with the file, on its card and its details page', async () => {
    const zip = await pluginZip({ name: 'tamper_pad', version: '1.0.0', description: 'Changed on disk after install' });
    const res = await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: 'tamper_pad.zip' });
    expect(res.status, await res.clone().text()).toBe(201);
    const id = ((await res.json()) as { plugin_id: string }).plugin_id;
    expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);
    await appendFile(path.join(root, 'plugins', 'tamper_pad', 'index.js'), '\n// changed after install\n');
    await post(`${api(backend)}/plugins/tamper_pad/load`);
    await expect
      .poll(
        async () => (await getJson<{ signature?: { state: string } }>(`${api(backend)}/plugins/tamper_pad`)).body.signature?.state,
        SOON,
      )
      .toBe('modified');

    const card = page.locator('article.installed-card[data-plugin="tamper_pad"]');
    await atBothWidths('signatures-modified', async () => {
      await page.goto(`${backend.url}/plugins?tab=installed`);
      await card.getByTestId('signature-badge').waitFor(SOON);
    });
    expect(await card.getByTestId('signature-badge').getAttribute('data-signature')).toBe('modified');
    expect(await card.textContent()).toContain('modified since install: index.js');
    await atBothWidths('signatures-modified-details', async () => {
      await page.goto(`${backend.url}/plugins/tamper_pad`);
      await openDrawerWhenNarrow();
      await page.getByTestId('runtime-header').getByTestId('signature-badge').waitFor(SOON);
    });
    expect(await page.getByTestId('runtime-header').textContent()).toContain('modified since install: index.js');
  });

  it('under policy require the install dialog says an unsigned plugin will be refused, and the refusal is shown on the card', async () => {
    const strict = await startBackend({
      storeUrl: api(store),
      pluginsDir: path.join(root, 'strict-plugins'),
      dataDir: path.join(root, 'strict-data'),
      env: { OKO_TRUSTED_KEYS: keysDir, OKO_SIGNATURE_POLICY: 'require' },
    });
    try {
      const zip = await pluginZip({ name: 'strict_pad', version: '1.0.0', description: 'Unsigned, under require' });
      expect((await uploadZip(`${api(store)}/plugins/upload/zip`, zip, { filename: 'strict_pad.zip' })).status).toBe(201);
      const card = storeCard('strict_pad');
      const warning = page.getByTestId('signature-warning');
      const openDialog = async () => {
        await page.goto(`${strict.url}/plugins?tab=store`);
        await page.getByTestId('store-search').fill('strict_pad');
        // Once (CI, Node 20, a loaded machine) the dialog never opened after the click: the card can
        // be drawn anew as the search's answer lands, and a click on the one going away is lost.
        await eventually(
          async () => {
            if (!(await warning.isVisible())) await card.locator('[data-action="install"]').click({ timeout: 5000 });
            await warning.waitFor({ timeout: 5000 });
          },
          undefined,
          30_000,
        );
      };
      await atBothWidths('signatures-require-dialog', openDialog);
      expect(await warning.getAttribute('data-tone')).toBe('error');
      expect(await warning.textContent()).toContain('will be refused');
      await page.locator('[data-action="confirm-permissions"]').click();
      const refused = card.locator('.install-error');
      await refused.waitFor(SOON);
      expect(await refused.textContent()).toContain('unsigned');
      expect((await getJson(`${api(strict)}/plugins/strict_pad`)).status).toBe(404);
    } finally {
      await strict.stop();
    }
  });
});
