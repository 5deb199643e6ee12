import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginFiles, tempDir } from '../../../test-support/fixtures.js';
import { api as apiOf, getJson, post } from '../../../test-support/http.js';
import { fakeStoreSetup } from './fake-store-setup.js';
import { generateKeyPair, keyFolder, packageOf, signedFiles, type Files } from './signing-fixtures.js';

// Files changed on disk after install, and plugins copied in by hand: every load checks the files
// against the backend's record (or the signature) before the plugin's process starts.

const { backendFor, fakeStore, dirs } = fakeStoreSetup('signatures-load');
const trusted = generateKeyPair();

type Summary = { state: string; error?: { reason: string }; signature?: { state: string; reason?: string; key_name?: string } };

async function installed(name: string, files: Files, policy = 'warn') {
  const pkg = await packageOf(files);
  const store = await fakeStore([pkg]);
  const keys = await keyFolder(await tempDir(`keys-${name}`), { 'oko-test': trusted });
  const { backend, pluginsDir } = await backendFor(store.url, name, { OKO_TRUSTED_KEYS: keys, OKO_SIGNATURE_POLICY: policy });
  const api = apiOf(backend);
  expect((await post(`${api}/store/${pkg.entry.id}/install`)).status).toBe(200);
  const id = pkg.entry.name;
  return { api, id, dir: path.join(pluginsDir, id) };
}

const plugin = (api: string, id: string) => getJson<Summary>(`${api}/plugins/${id}`).then((answer) => answer.body);

describe('a file changed on disk after install', () => {
  for (const signed of [true, false]) {
    it(`${signed ? 'signed' : 'unsigned'}: one byte in index.js puts the plugin in error naming index.js at the next load`, async () => {
      const files = signed ? await signedFiles({ name: 'changed' }, trusted) : pluginFiles({ name: 'changed' });
      const { api, id, dir } = await installed(`changed-${signed}`, files);
      expect((await post(`${api}/plugins/${id}/load`)).status).toBe(200);
      expect((await post(`${api}/plugins/${id}/unload`)).status).toBe(200);
      await appendFile(path.join(dir, 'index.js'), ' ');
      const message = await expectErrorAnswer(await post(`${api}/plugins/${id}/load`), 422, 'INVALID_SIGNATURE');
      expect(message).toContain('modified since install: index.js');
      const after = await plugin(api, id);
      expect(after.state).toBe('error');
      expect(after.error?.reason).toContain('modified since install: index.js');
      expect(after.signature).toMatchObject({ state: 'modified', reason: 'modified since install: index.js' });
    });
  }

  it('a file added, and a file removed, are named as such', async () => {
    const { api, id, dir } = await installed('added', pluginFiles({ name: 'grown', files: { 'lib.js': 'export {};\n' } }));
    await writeFile(path.join(dir, 'extra.js'), 'globalThis.evil = 1;\n');
    expect(await expectErrorAnswer(await post(`${api}/plugins/${id}/load`), 422, 'INVALID_SIGNATURE')).toContain(
      'modified since install: extra.js (added)',
    );
    await rm(path.join(dir, 'extra.js'));
    await rm(path.join(dir, 'lib.js'));
    expect(await expectErrorAnswer(await post(`${api}/plugins/${id}/load`), 422, 'INVALID_SIGNATURE')).toContain(
      'modified since install: lib.js (removed)',
    );
  });

  it('a signature swapped in after install is caught by the record, even when it is valid for other files', async () => {
    const { api, id, dir } = await installed('swapped', pluginFiles({ name: 'swapped' }));
    const forged = await signedFiles({ name: 'swapped' }, trusted);
    await writeFile(path.join(dir, 'oko-signature.json'), forged['oko-signature.json']!);
    expect(await expectErrorAnswer(await post(`${api}/plugins/${id}/load`), 422, 'INVALID_SIGNATURE')).toContain(
      'oko-signature.json (added)',
    );
  });
});

describe('a plugin copied in by hand (no install record)', () => {
  async function handCopied(name: string, files: Files, policy: string) {
    const { pluginsDir, dataDir } = await dirs(name);
    const dir = path.join(pluginsDir, name);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    const keys = await keyFolder(await tempDir(`keys-${name}`), { 'oko-test': trusted });
    const { backend } = await backendFor('http://127.0.0.1:9/api/v1', `${name}-b`, {
      OKO_PLUGINS_DIR: pluginsDir,
      OKO_DATA_DIR: dataDir,
      OKO_TRUSTED_KEYS: keys,
      OKO_SIGNATURE_POLICY: policy,
    });
    return { api: apiOf(backend), dir };
  }

  it('unsigned loads under warn and is refused under require with SIGNATURE_REQUIRED naming unsigned', async () => {
    const lax = await handCopied('hand_warn', pluginFiles({ name: 'hand_warn' }), 'warn');
    expect((await plugin(lax.api, 'hand_warn')).signature).toEqual({ state: 'unsigned' });
    expect((await post(`${lax.api}/plugins/hand_warn/load`)).status).toBe(200);
    const strict = await handCopied('hand_req', pluginFiles({ name: 'hand_req' }), 'require');
    expect(await expectErrorAnswer(await post(`${strict.api}/plugins/hand_req/load`), 422, 'SIGNATURE_REQUIRED')).toContain('unsigned');
    expect((await plugin(strict.api, 'hand_req')).state).toBe('error');
  });

  it('signed by a trusted key loads under require; one byte changed is modified, checked against the signature', async () => {
    const files = await signedFiles({ name: 'hand_signed' }, trusted);
    const { api, dir } = await handCopied('hand_signed', files, 'require');
    expect((await plugin(api, 'hand_signed')).signature).toMatchObject({ state: 'valid', key_name: 'oko-test' });
    expect((await post(`${api}/plugins/hand_signed/load`)).status).toBe(200);
    expect((await post(`${api}/plugins/hand_signed/unload`)).status).toBe(200);
    await writeFile(path.join(dir, 'index.js'), `${await readFile(path.join(dir, 'index.js'), 'utf8')}\n`);
    const message = await expectErrorAnswer(await post(`${api}/plugins/hand_signed/load`), 422, 'INVALID_SIGNATURE');
    expect(message).toContain('index.js (changed)');
  });
});
