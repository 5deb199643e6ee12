import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { pluginFiles, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { getJson, post } from '../../../test-support/http.js';
import type { BackendProcess } from '../../../test-support/processes.js';
import { startBackendProcess, type Dirs } from './helpers.js';
import { generateKeyPair, keyFolder, packageOf, signedFiles } from './signing-fixtures.js';

// A real backend process (the built dist): every start of the backend re-checks each plugin's
// files, so a plugin changed while the backend was down comes up in error, named, and not running.

let root: string | undefined;
let store: FakeStore | undefined;
let backend: BackendProcess | undefined;
afterEach(async () => {
  await backend?.stop();
  await store?.close();
  if (root) await removeDir(root);
  backend = store = root = undefined;
});

type Plugin = { state: string; error?: { reason: string }; signature: { state: string; reason?: string } };

describe('tamper detection over a restart', () => {
  it('a byte changed in index.js while the backend was down: signed and unsigned plugins start in error naming index.js', async () => {
    root = await tempDir('signatures-restart');
    const dirs: Dirs = { pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data'), cleanup: async () => {} };
    const key = generateKeyPair();
    const packages = [
      await packageOf(await signedFiles({ name: 'kept_signed' }, key)),
      await packageOf(pluginFiles({ name: 'kept_plain' })),
    ];
    store = await startFakeStore(packages);
    const env = { OKO_STORE_URL: store.url, OKO_TRUSTED_KEYS: await keyFolder(root, { author: key }) };

    backend = await startBackendProcess(dirs, env);
    for (const { entry } of packages) {
      expect((await post(`${backend.api}/store/${entry.id}/install`)).status).toBe(200);
      expect((await post(`${backend.api}/plugins/${entry.name}/load`)).status).toBe(200);
    }
    expect((await getJson<Plugin>(`${backend.api}/plugins/kept_signed`)).body.signature).toMatchObject({
      state: 'valid',
      key_name: 'author',
    });
    await backend.stop();

    for (const { entry } of packages) await appendFile(path.join(dirs.pluginsDir, entry.name, 'index.js'), '//');
    backend = await startBackendProcess(dirs, env);
    for (const { entry } of packages) {
      const { body } = await getJson<Plugin>(`${backend.api}/plugins/${entry.name}`);
      expect(body.state).toBe('error');
      expect(body.error?.reason).toContain('modified since install: index.js');
      expect(body.signature).toEqual({ state: 'modified', reason: 'modified since install: index.js' });
    }
  });
});
