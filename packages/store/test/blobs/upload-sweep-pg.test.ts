import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../../../test-support/eventually.js';
import { request } from '../../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../../test-support/postgres.js';
import { buildTestStore, json, pluginZip, uploadFolders, uploadZip } from '../helpers.js';

// PostgreSQL with packages on a disk replicas share: a store's start no longer tidies uploads/ (another
// replica may be importing into it); the locked sweep removes only folders idle for the grace.

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

it("keeps another replica's young upload folder and removes an abandoned one past the grace", async () => {
  const storage = await mkdtemp(path.join(tmpdir(), 'oko-pg-uploads-'));
  try {
    const env = { OKO_STORE_DATABASE_URL: await pg.createDatabase('uploads'), OKO_STORE_SWEEP_GRACE_S: '60' };
    const first = await buildTestStore({ storageDir: storage, env });
    const published = await json(await uploadZip(first, pluginZip('kept_on_disk', '1.0.0')));
    await first.close();

    // What another replica's import in progress looks like, and what one that died an hour ago left.
    const uploads = path.join(storage, 'uploads');
    await mkdir(path.join(uploads, 'zip_20990101_000000', 'extracted'), { recursive: true });
    await writeFile(path.join(uploads, 'zip_20990101_000000', 'plugin.zip'), 'partial');
    const dead = path.join(uploads, 'zip_20200101_000000');
    await mkdir(path.join(dead, 'extracted'), { recursive: true });
    await writeFile(path.join(dead, 'plugin.zip'), 'abandoned');
    const past = new Date(Date.now() - 3_600_000);
    for (const p of [path.join(dead, 'extracted'), path.join(dead, 'plugin.zip'), dead]) await utimes(p, past, past);

    const second = await buildTestStore({ storageDir: storage, env });
    try {
      // The sweep's first round runs at start, on one replica at a time.
      const left = await eventually(
        () => uploadFolders(second),
        (names) => !names.includes('zip_20200101_000000'),
      );
      expect(left).toContain('zip_20990101_000000');
      expect(left).toHaveLength(2); // the published package's folder stays
      const download = await request(`${second.api}/plugins/${published.plugin_id}/download`);
      expect(download.status).toBe(200);
      await download.arrayBuffer();
    } finally {
      await second.close();
    }
  } finally {
    await rm(storage, { recursive: true, force: true });
  }
});
