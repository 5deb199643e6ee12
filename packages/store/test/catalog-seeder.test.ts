import { cp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson } from '../../../test-support/http.js';
import { startStore, type StoreProcess } from '../../../test-support/processes.js';

// Seeding of a new store's catalog with the repository's example plugins (catalog-seeder.ts): real
// processes, since seeding is part of start-up (server.ts) and the tests read its log.
const examples = path.resolve(import.meta.dirname, '../../../examples/plugins');
const exampleNames = ['host_stats', 'http_probe', 'notes'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function store(storageDir: string, env: Record<string, string>): Promise<StoreProcess> {
  const service = await startStore({ storageDir, env });
  cleanups.push(() => service.stop());
  return service;
}

async function scratch(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  cleanups.push(() => removeDir(dir));
  return dir;
}

interface Listing {
  plugins: Array<{ id: string; name: string; version: string; source: string; signature: unknown }>;
  total: number;
}

function zipNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, (error, file) => {
      if (error || !file) return reject(error);
      const names: string[] = [];
      file.on('entry', (entry: yauzl.Entry) => names.push(entry.fileName));
      file.on('end', () => resolve(names));
      file.on('error', reject);
    });
  });
}

describe('store catalog seeding', () => {
  it('imports every example plugin on the first start, as uploads, and says so in the log', async () => {
    const storage = await scratch('seed-on');
    const service = await store(storage, { OKO_STORE_SEED: 'true', OKO_STORE_SEED_DIR: examples });
    const { body } = await getJson<Listing>(`${api(service)}/plugins?per_page=100`);
    expect(body.plugins.map((p) => p.name).sort()).toEqual(exampleNames);
    expect(body.plugins.every((p) => p.source === 'zip_upload' && p.version === '1.0.0')).toBe(true);
    expect(service.output()).toContain('seeded the new catalog with 3 example plugin(s)');
    expect((await readdir(path.join(storage, 'uploads'))).filter((d) => d.startsWith('zip_'))).toHaveLength(3);

    // What a backend downloads is the plugin without its tests.
    const probe = body.plugins.find((p) => p.name === 'http_probe')!;
    const download = await fetch(`${api(service)}/plugins/${probe.id}/download`);
    expect(download.status).toBe(200);
    const names = await zipNames(Buffer.from(await download.arrayBuffer()));
    expect(names).toEqual(expect.arrayContaining(['manifest.json', 'index.js', 'page_manifest.yaml', 'lib/probe.js']));
    expect(names.filter((n) => n.startsWith('test/'))).toEqual([]);
    // The examples ship signed (examples/README.md): the store checked each signature and keeps it in the package.
    expect(names).toContain('oko-signature.json');
    for (const plugin of body.plugins) expect(plugin.signature).toEqual({ key_id: 'e3f67390dcc361a8', signer: 'OKO examples' });
  });

  it('seeds only once: a restarted store keeps its catalog as the user left it', async () => {
    const storage = await scratch('seed-once');
    const env = { OKO_STORE_SEED: 'true', OKO_STORE_SEED_DIR: examples };
    const first = await store(storage, env);
    const { body } = await getJson<Listing>(`${api(first)}/plugins`);
    const notes = body.plugins.find((p) => p.name === 'notes')!;
    expect((await fetch(`${api(first)}/plugins/${notes.id}`, { method: 'DELETE' })).status).toBe(200);
    await first.stop();

    const second = await store(storage, env);
    const after = await getJson<Listing>(`${api(second)}/plugins`);
    expect(after.body.plugins.map((p) => p.name).sort()).toEqual(['host_stats', 'http_probe']);
    expect(second.output()).not.toContain('seeded the new catalog');
  });

  it('leaves a new catalog empty with OKO_STORE_SEED=false', async () => {
    const storage = await scratch('seed-off');
    const service = await store(storage, { OKO_STORE_SEED: 'false', OKO_STORE_SEED_DIR: examples });
    const { body } = await getJson<Listing>(`${api(service)}/plugins`);
    expect(body.total).toBe(0);
    expect(service.output()).toContain('catalog seeding is off');
  });

  it('skips a broken example with a log line and seeds the rest', async () => {
    const storage = await scratch('seed-broken');
    const seedDir = await scratch('seed-dir');
    await cp(path.join(examples, 'notes'), path.join(seedDir, 'notes'), { recursive: true });
    await cp(path.join(examples, 'notes'), path.join(seedDir, 'broken'), { recursive: true });
    await writeFile(path.join(seedDir, 'broken', 'manifest.json'), JSON.stringify({ name: 'Broken!', version: 'one' }));
    const service = await store(storage, { OKO_STORE_SEED: 'true', OKO_STORE_SEED_DIR: seedDir });
    const { body } = await getJson<Listing>(`${api(service)}/plugins`);
    expect(body.plugins.map((p) => p.name)).toEqual(['notes']);
    expect(service.output()).toContain('example plugin broken not seeded');
    expect(service.output()).toContain('seeded the new catalog with 1 example plugin(s): notes 1.0.0');
  });
});
