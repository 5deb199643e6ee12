import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keyIdOf } from '@oko/shared/archive';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api as apiOf, getJson, post, request } from '../../../test-support/http.js';
import { generateKeyPair, keyFolder, signedFiles } from './signing-fixtures.js';

// /trust/keys: folder keys (OKO_TRUSTED_KEYS) and keys an admin adds, kept in the data folder.

let backend: TestBackend | undefined;
let root: string | undefined;
afterEach(async () => {
  await backend?.close();
  if (root) await removeDir(root);
  backend = root = undefined;
});

type KeyList = { policy: string; keys: Array<{ key_id: string; name: string; source: string }> };
const del = (url: string) => request(url, { method: 'DELETE' });

describe('trusted keys', () => {
  it('lists folder keys (a bad file skipped), adds, refuses duplicates and bad PEM, deletes added keys but not folder keys', async () => {
    root = await tempDir('trust-keys');
    const folderKey = generateKeyPair();
    const keys = await keyFolder(root, { 'oko-examples': folderKey, broken: 'not a key\n' });
    await writeFile(path.join(keys, 'notes.txt'), 'ignored: not a .pem');
    const dataDir = path.join(root, 'data');
    backend = await buildTestBackend({ pluginsDir: path.join(root, 'plugins'), dataDir, env: { OKO_TRUSTED_KEYS: keys } });
    const api = apiOf(backend);

    const listed = await getJson<KeyList>(`${api}/trust/keys`);
    expect(listed.body).toMatchObject({ policy: 'warn', keys: [{ name: 'oko-examples', source: 'folder', key_id: folderKey.keyId }] });
    expect(listed.body.keys).toHaveLength(1);

    const added = generateKeyPair();
    const created = await post(`${api}/trust/keys`, { name: 'Alice Dev', public_key: added.publicKeyPem });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ key_id: keyIdOf(added.publicKeyPem), name: 'Alice Dev', source: 'settings' });
    expect((await getJson<KeyList>(`${api}/trust/keys`)).body.keys.map((k) => k.name)).toEqual(['oko-examples', 'Alice Dev']);

    await expectErrorAnswer(await post(`${api}/trust/keys`, { name: 'again', public_key: added.publicKeyPem }), 409, 'TRUSTED_KEY_EXISTS');
    await expectErrorAnswer(
      await post(`${api}/trust/keys`, { name: 'again', public_key: folderKey.publicKeyPem }),
      409,
      'TRUSTED_KEY_EXISTS',
    );
    await expectErrorAnswer(await post(`${api}/trust/keys`, { name: 'bad', public_key: 'hello' }), 400, 'INVALID_PUBLIC_KEY');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await expectErrorAnswer(await post(`${api}/trust/keys`, { name: 'rsa', public_key: rsa }), 400, 'INVALID_PUBLIC_KEY')).toContain(
      'Ed25519',
    );
    await expectErrorAnswer(await post(`${api}/trust/keys`, { name: '', public_key: added.publicKeyPem }), 400, 'VALIDATION_FAILED');

    expect(await expectErrorAnswer(await del(`${api}/trust/keys/${folderKey.keyId}`), 409, 'TRUSTED_KEY_READ_ONLY')).toContain(
      'oko-examples.pem',
    );
    await expectErrorAnswer(await del(`${api}/trust/keys/0123456789abcdef`), 404, 'TRUSTED_KEY_NOT_FOUND');
    await expectErrorAnswer(await del(`${api}/trust/keys/not-a-key-id`), 400, 'VALIDATION_FAILED');

    // Kept in the data folder: a new backend on the same folders trusts it still.
    await backend.close();
    backend = await buildTestBackend({ pluginsDir: path.join(root, 'plugins'), dataDir, env: { OKO_TRUSTED_KEYS: keys } });
    const again = apiOf(backend);
    expect((await getJson<KeyList>(`${again}/trust/keys`)).body.keys.map((k) => k.name)).toEqual(['oko-examples', 'Alice Dev']);
    expect((await del(`${again}/trust/keys/${added.keyId}`)).status).toBe(200);
    expect((await getJson<KeyList>(`${again}/trust/keys`)).body.keys.map((k) => k.name)).toEqual(['oko-examples']);
  });

  it('adding a key turns a plugin it signed from untrusted to valid with the key name, removing it turns it back', async () => {
    root = await tempDir('trust-keys-state');
    const author = generateKeyPair();
    const dir = path.join(root, 'plugins', 'by_alice');

    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(await signedFiles({ name: 'by_alice' }, author, 'Alice')))
      await writeFile(path.join(dir, file), content);
    backend = await buildTestBackend({
      pluginsDir: path.join(root, 'plugins'),
      dataDir: path.join(root, 'data'),
      env: { OKO_SIGNATURE_POLICY: 'require' },
    });
    const api = apiOf(backend);
    const state = async () => (await getJson<{ signature: unknown }>(`${api}/plugins/by_alice`)).body.signature;
    expect(await state()).toMatchObject({ state: 'untrusted', signer: 'Alice', key_id: author.keyId });
    expect(await expectErrorAnswer(await post(`${api}/plugins/by_alice/load`), 422, 'SIGNATURE_REQUIRED')).toContain('untrusted');
    expect((await post(`${api}/trust/keys`, { name: 'Alice verified', public_key: author.publicKeyPem })).status).toBe(201);
    expect(await state()).toMatchObject({ state: 'valid', key_name: 'Alice verified', signer: 'Alice' });
    expect((await post(`${api}/plugins/by_alice/load`)).status).toBe(200);
    expect((await del(`${api}/trust/keys/${author.keyId}`)).status).toBe(200);
    expect(await state()).toMatchObject({ state: 'untrusted' });
  });
});
