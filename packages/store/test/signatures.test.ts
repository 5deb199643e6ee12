import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_FILE } from '@oko/shared';
import { extractPluginArchive } from '@oko/shared/archive';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from '../../../test-support/http.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { buildRawZip, buildTestStore, expectRefusal, json, manifestText, uploadZip, type RawZipEntry, type TestStore } from './helpers.js';
import { startFakeGithub, type FakeGithub } from './fake-github.js';
import { AUTHOR, signatureEntry, signatureOf, signed } from './signed-fixtures.js';

let store: TestStore;
let github: FakeGithub;
let work: string;

function plugin(name: string, version = '1.0.0', index = 'export async function setup() {}\n'): RawZipEntry[] {
  return [
    { name: 'manifest.json', content: manifestText(name, version) },
    { name: 'index.js', content: index },
    { name: 'static/app.css', content: 'body{}' },
  ];
}

const repoFiles = (name: string) => [...signed(plugin(name)), { name: 'test/plugin.test.js', content: 'not packaged, not signed' }];

beforeAll(async () => {
  github = await startFakeGithub({
    'octo/signed': { main: repoFiles('gh_signed') },
    'octo/tampered': {
      main: [...signed(plugin('gh_tampered')).map((e) => (e.name === 'index.js' ? { ...e, content: `${String(e.content)};` } : e))],
    },
  });
  store = await buildTestStore({ env: { OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' } });
  work = await tempDir('oko-store-sig-');
});
afterAll(async () => {
  await store?.close();
  await github?.close();
  if (work) await removeDir(work);
});

async function expectInvalid(entries: RawZipEntry[], pattern: RegExp): Promise<void> {
  const message = await expectRefusal(store, () => uploadZip(store, buildRawZip(entries)), 422, 'INVALID_SIGNATURE');
  expect(message).toMatch(pattern);
}

describe('signed uploads', () => {
  it('publishes a signed package with its signature in every catalog entry and inside the package it serves', async () => {
    const entries = signed(plugin('signed_ok'));
    const response = await uploadZip(store, buildRawZip(entries));
    expect(response.status).toBe(201);
    const body = await json(response);
    const expected = { key_id: AUTHOR.keyId, signer: 'Store Tests' };
    expect(body.plugin.signature).toEqual(expected);
    expect((await json(await request(`${store.api}/plugins/${body.plugin_id}`))).signature).toEqual(expected);
    const listed = await json(await request(`${store.api}/plugins?q=signed_ok`));
    expect(listed.plugins).toEqual([expect.objectContaining({ name: 'signed_ok', signature: expected })]);

    const zip = path.join(work, 'download.zip');
    await writeFile(zip, Buffer.from(await (await request(`${store.api}/plugins/${body.plugin_id}/download`)).arrayBuffer()));
    const dest = path.join(work, 'download');
    await mkdir(dest);
    await extractPluginArchive(zip, dest);
    const served = await readFile(path.join(dest, SIGNATURE_FILE), 'utf8');
    expect(served).toBe(String(entries.find((e) => e.name === SIGNATURE_FILE)!.content));
  });

  it('shows signature null for an unsigned package', async () => {
    const body = await json(await uploadZip(store, buildRawZip(plugin('unsigned_ok'))));
    expect(body.plugin.signature).toBeNull();
    const listed = await json(await request(`${store.api}/plugins?q=unsigned_ok`));
    expect(listed.plugins[0].signature).toBeNull();
  });

  it('refuses one byte changed in index.js, naming the file', async () => {
    const entries = signed(plugin('tamper_byte'));
    const tampered = entries.map((e) => (e.name === 'index.js' ? { ...e, content: String(e.content).replace('setup', 'setuP') } : e));
    await expectInvalid(tampered, /index\.js \(changed\)/);
  });

  it('refuses a file added after signing', async () => {
    await expectInvalid([...signed(plugin('tamper_added')), { name: 'extra.js', content: 'x' }], /extra\.js \(added\)/);
  });

  it('refuses a file removed after signing', async () => {
    await expectInvalid(
      signed(plugin('tamper_removed')).filter((e) => e.name !== 'static/app.css'),
      /static\/app\.css \(missing\)/,
    );
  });

  it('refuses a signature copied from another version', async () => {
    const old = signatureOf(plugin('tamper_copy', '1.0.0'));
    await expectInvalid([...plugin('tamper_copy', '1.1.0'), signatureEntry(old)], /version 1\.0\.0, the manifest says 1\.1\.0/);
  });

  it('refuses a signature whose plugin names another plugin', async () => {
    const other = signatureOf(plugin('tamper_name'), { plugin: 'someone_else' });
    await expectInvalid([...plugin('tamper_name'), signatureEntry(other)], /plugin "someone_else"/);
  });

  it('refuses a truncated signature', async () => {
    const text = JSON.stringify(signatureOf(plugin('tamper_cut')), null, 2);
    await expectInvalid([...plugin('tamper_cut'), signatureEntry(text.slice(0, 200))], /not valid JSON/);
  });

  it('refuses a signature whose signature field is not an Ed25519 signature', async () => {
    const bad = signatureOf(plugin('tamper_short'), { signature: 'AAAA' });
    await expectInvalid([...plugin('tamper_short'), signatureEntry(bad)], /64 bytes/);
  });
});

describe('signed GitHub imports', () => {
  const importRepo = (repo: string) =>
    request(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo_url: `${github.apiUrl}/${repo}` }),
    });

  it('imports a repository with a signature made by oko-plugin sign (its test/ folder left out)', async () => {
    const response = await importRepo('octo/signed');
    expect(response.status).toBe(201);
    expect((await json(response)).plugin.signature).toEqual({ key_id: AUTHOR.keyId, signer: 'Store Tests' });
  });

  it('refuses a repository whose files do not match its signature', async () => {
    const message = await expectRefusal(store, () => importRepo('octo/tampered'), 422, 'INVALID_SIGNATURE');
    expect(message).toMatch(/index\.js \(changed\)/);
  });
});
