import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginFiles, tempDir } from '../../../test-support/fixtures.js';
import { api as apiOf, getJson, post } from '../../../test-support/http.js';
import { fakeStoreSetup } from './fake-store-setup.js';
import { generateKeyPair, keyFolder, packageOf, signedFiles, type Files } from './signing-fixtures.js';

// Install refuses what the signature policy refuses; invalid and modified packages whatever the
// policy. A fake store serves the packages, so a hostile one (which a real store would refuse at
// upload) reaches the backend as it would from a store that does not check.

const { backendFor, fakeStore } = fakeStoreSetup('signatures-install');
const trusted = generateKeyPair();
const stranger = generateKeyPair();

async function backendWith(name: string, files: Files[], policy = 'warn') {
  const packages = await Promise.all(files.map((f) => packageOf(f)));
  const store = await fakeStore(packages);
  const keys = await keyFolder(await tempDir(`keys-${name}`), { 'oko-test': trusted });
  const { backend, pluginsDir, dataDir } = await backendFor(store.url, name, { OKO_TRUSTED_KEYS: keys, OKO_SIGNATURE_POLICY: policy });
  return { api: apiOf(backend), pluginsDir, dataDir, ids: packages.map((p) => p.entry.id) };
}

const mutated = (files: Files, change: (copy: Files) => void): Files => {
  const copy = { ...files };
  change(copy);
  return copy;
};

describe('a valid signature by a trusted key', () => {
  it('installs and loads under require, shown with the trusted key name; the same plugin re-signed by an untrusted key does not', async () => {
    const good = await signedFiles({ name: 'signed_ok' }, trusted, 'Self Declared');
    const { api, ids, dataDir } = await backendWith('valid', [good], 'require');
    const install = await post(`${api}/store/${ids[0]}/install`);
    expect(install.status).toBe(200);
    const answer = (await install.json()) as Record<string, unknown>;
    expect(answer.signature).toMatchObject({ state: 'valid', key_name: 'oko-test', signer: 'Self Declared' });
    expect(answer.warning).toBeUndefined();
    expect((await post(`${api}/plugins/signed_ok/load`)).status).toBe(200);
    const { body } = await getJson<{ plugins: Array<{ id: string; signature: unknown; state: string }> }>(`${api}/plugins`);
    expect(body.plugins.find((p) => p.id === 'signed_ok')).toMatchObject({
      state: 'active',
      signature: { state: 'valid', key_name: 'oko-test' },
    });
    // The record lives in the data folder, not in the plugin's.
    const record = JSON.parse(await readFile(path.join(dataDir, 'file-records', 'signed_ok.json'), 'utf8')) as { files: object };
    expect(Object.keys(record.files)).toEqual(expect.arrayContaining(['index.js', 'lib.js', 'manifest.json', 'oko-signature.json']));

    const resigned = await signedFiles({ name: 'signed_other' }, stranger);
    const other = await backendWith('resigned', [resigned], 'require');
    const refused = await expectErrorAnswer(await post(`${other.api}/store/${other.ids[0]}/install`), 422, 'SIGNATURE_REQUIRED');
    expect(refused).toContain('untrusted');
    expect(await listDir(other.pluginsDir)).toEqual([]);
  });
});

describe('the signature policy at install', () => {
  it('require refuses an unsigned package naming the state; warn installs it with a warning and it loads', async () => {
    const unsigned = pluginFiles({ name: 'plain' });
    const strict = await backendWith('require-unsigned', [unsigned], 'require');
    expect(await expectErrorAnswer(await post(`${strict.api}/store/${strict.ids[0]}/install`), 422, 'SIGNATURE_REQUIRED')).toContain(
      'unsigned',
    );
    const lax = await backendWith('warn-unsigned', [unsigned], 'warn');
    const answer = (await (await post(`${lax.api}/store/${lax.ids[0]}/install`)).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ status: 'installed', signature: { state: 'unsigned' } });
    expect(answer.warning).toMatch(/not signed/);
    expect((await post(`${lax.api}/plugins/plain/load`)).status).toBe(200);
  });

  it('warn installs a package signed by an untrusted key with a warning naming its key', async () => {
    const files = await signedFiles({ name: 'strange' }, stranger, 'Someone');
    const { api, ids } = await backendWith('warn-untrusted', [files]);
    const answer = (await (await post(`${api}/store/${ids[0]}/install`)).json()) as Record<string, unknown>;
    expect(answer.signature).toMatchObject({ state: 'untrusted', signer: 'Someone' });
    expect(answer.warning).toContain((answer.signature as { key_id: string }).key_id);
  });
});

describe('the tamper corpus at install, refused whatever the policy', () => {
  const cases: Array<[string, () => Promise<Files>, RegExp]> = [
    [
      'one byte changed in index.js',
      async () => mutated(await signedFiles({ name: 'tampered' }, trusted), (f) => (f['index.js'] = `${f['index.js']!.toString()} `)),
      /index\.js \(changed\)/,
    ],
    [
      'a file added',
      async () => mutated(await signedFiles({ name: 'tampered' }, trusted), (f) => (f['extra.js'] = 'x')),
      /extra\.js \(added\)/,
    ],
    [
      'a file removed',
      async () => mutated(await signedFiles({ name: 'tampered' }, trusted), (f) => delete f['lib.js']),
      /lib\.js \(missing\)/,
    ],
    [
      'a signature copied from another version',
      async () => {
        const v1 = await signedFiles({ name: 'tampered', version: '1.0.0' }, trusted);
        return mutated(
          await signedFiles({ name: 'tampered', version: '1.1.0' }, trusted),
          (f) => (f['oko-signature.json'] = v1['oko-signature.json']!),
        );
      },
      /version 1\.0\.0/,
    ],
    [
      'a signature whose plugin names another plugin',
      async () => {
        const other = await signedFiles({ name: 'someone_else' }, trusted);
        return mutated(await signedFiles({ name: 'tampered' }, trusted), (f) => (f['oko-signature.json'] = other['oko-signature.json']!));
      },
      /someone_else/,
    ],
    [
      'a truncated signature',
      async () =>
        mutated(
          await signedFiles({ name: 'tampered' }, trusted),
          (f) => (f['oko-signature.json'] = Buffer.from(f['oko-signature.json']!).subarray(0, 80)),
        ),
      /oko-signature\.json/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    it(`${name}: 422 INVALID_SIGNATURE naming why, under warn and off, plugins/ unchanged`, async () => {
      const files = await make();
      for (const policy of ['warn', 'off']) {
        const { api, ids, pluginsDir } = await backendWith(`corpus-${name.replaceAll(' ', '-')}-${policy}`, [files], policy);
        expect(await expectErrorAnswer(await post(`${api}/store/${ids[0]}/install`), 422, 'INVALID_SIGNATURE')).toMatch(reason);
        expect(await listDir(pluginsDir)).toEqual([]);
      }
    });
  }
});

describe('file records follow the installed version', () => {
  it('an update replaces the record (the new version loads), uninstall removes it', async () => {
    const v1 = pluginFiles({ name: 'moving', version: '1.0.0' });
    const v2 = pluginFiles({ name: 'moving', version: '2.0.0', files: { 'new.js': 'export {};\n' } });
    const { api, ids, dataDir } = await backendWith('update', [v1, v2]);
    expect((await post(`${api}/store/${ids[0]}/install`)).status).toBe(200);
    expect((await post(`${api}/plugins/moving/load`)).status).toBe(200);
    const update = await post(`${api}/store/${ids[1]}/update`);
    expect(update.status).toBe(200);
    expect((await update.json()) as object).toMatchObject({ status: 'updated', signature: { state: 'unsigned' } });
    const { body } = await getJson<{ state: string; signature: { state: string } }>(`${api}/plugins/moving`);
    expect(body).toMatchObject({ state: 'active', signature: { state: 'unsigned' } });
    const record = path.join(dataDir, 'file-records', 'moving.json');
    expect(JSON.parse(await readFile(record, 'utf8'))).toMatchObject({ version: '2.0.0', files: { 'new.js': expect.any(String) } });
    expect((await post(`${api}/store/moving/uninstall`)).status).toBe(200);
    await expect(readFile(record)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
