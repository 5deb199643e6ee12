import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildTestBackend } from '../../../test-support/backend-app.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, post } from '../../../test-support/http.js';
import { startStore } from '../../../test-support/processes.js';
import { startEnv } from '../../../scripts/start-env.mjs';

// `npm start` trusts the examples' key by default, so a first run shows the example plugins valid.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe("npm start's default configuration", () => {
  it('sets OKO_TRUSTED_KEYS to examples/keys unless the user set it (even to empty)', () => {
    expect(startEnv({}, root).OKO_TRUSTED_KEYS).toBe(path.join(root, 'examples', 'keys'));
    expect(startEnv({ OKO_TRUSTED_KEYS: '/etc/oko/keys' }, root).OKO_TRUSTED_KEYS).toBe('/etc/oko/keys');
    expect(startEnv({ OKO_TRUSTED_KEYS: '' }, root).OKO_TRUSTED_KEYS).toBe('');
    expect(startEnv({ OKO_STORE_PORT: '9001' }, root).OKO_STORE_URL).toBe('http://127.0.0.1:9001/api/v1');
  });

  it('with that folder trusted, each example the store seeds installs and loads under require, valid by the oko-examples key', async () => {
    const dir = await tempDir('start-env');
    // A store process: it seeds its catalog from the examples (packed, as on a first run) before it listens.
    const store = await startStore({ storageDir: path.join(dir, 'store'), env: { OKO_STORE_SEED: 'true' } });
    const backend = await buildTestBackend({
      storeUrl: api(store),
      pluginsDir: path.join(dir, 'plugins'),
      dataDir: path.join(dir, 'data'),
      env: { OKO_TRUSTED_KEYS: startEnv({}, root).OKO_TRUSTED_KEYS!, OKO_SIGNATURE_POLICY: 'require' },
    });
    try {
      const { body } = await getJson<{ plugins: Array<{ id: string; name: string }> }>(`${api(backend)}/store`);
      expect(body.plugins.length).toBeGreaterThan(0);
      for (const entry of body.plugins) {
        const install = await post(`${api(backend)}/store/${entry.id}/install`);
        expect(install.status, entry.name).toBe(200);
        expect(((await install.json()) as { signature: unknown }).signature).toMatchObject({ state: 'valid', key_name: 'oko-examples' });
        expect((await post(`${api(backend)}/plugins/${entry.name}/load`)).status, entry.name).toBe(200);
      }
    } finally {
      await backend.close();
      await store.stop();
      await removeDir(dir);
    }
  });
});
