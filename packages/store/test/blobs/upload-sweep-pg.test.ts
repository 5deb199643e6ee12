import { cp, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../../../test-support/eventually.js';
import { request } from '../../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../../test-support/postgres.js';
import { buildTestStore, json, pluginZip, uploadFolders, uploadZip } from '../helpers.js';

// PostgreSQL with packages on a disk replicas share: a store's start no longer tidies uploads/ (another
// replica may be importing into it); the locked sweep removes only folders idle for the grace.

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

it("keeps another replica's young upload folder and removes an abandoned one past the grace", async () => {
  const storage = await mkdtemp(path.join(tmpdir(), 'oko-pg-uploads-'));
  try {
    const env = { OKO_STORE_DATABASE_URL: await postgres.createDatabase('uploads'), OKO_STORE_SWEEP_GRACE_S: '60' };
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

/** Dates a folder and what it holds (what idleFor looks at) `ms` back. */
async function age(folder: string, ms: number): Promise<void> {
  const past = new Date(Date.now() - ms);
  for (const name of await readdir(folder)) await utimes(path.join(folder, name), past, past);
  await utimes(folder, past, past);
}

it('removes a folder with entry.json that no row names once past the grace, never one a row names (even one no copy reads) or one still written to', async () => {
  const storage = await mkdtemp(path.join(tmpdir(), 'oko-pg-orphans-'));
  const url = await postgres.createDatabase('orphans');
  const env = { OKO_STORE_DATABASE_URL: url, OKO_STORE_SWEEP_GRACE_S: '60' };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const first = await buildTestStore({ storageDir: storage, env });
    const ids: Record<string, string> = {};
    for (const name of ['still_listed', 'row_deleted', 'row_unreadable']) {
      ids[name] = (await json(await uploadZip(first, pluginZip(name, '1.0.0')))).plugin_id as string;
    }
    await first.close();
    const dirOf = async (id: string) =>
      (await client.query<{ dir: string }>("SELECT record->'storage'->>'dir' AS dir FROM catalog_records WHERE id = $1", [id])).rows[0]!
        .dir;
    const listed = await dirOf(ids.still_listed!);
    const deleted = await dirOf(ids.row_deleted!);
    const unreadable = await dirOf(ids.row_unreadable!);
    // A delete whose row went but whose folder stayed with its entry.json (its answer was lost after COMMIT, say).
    await client.query('DELETE FROM catalog_records WHERE id = $1', [ids.row_deleted]);
    const uploads = path.join(storage, 'uploads');
    // A row every replica's copy skips (its size disagrees with its record) still names its folder, which lost its entry.json.
    await client.query('UPDATE catalog_records SET size = size + 1 WHERE id = $1', [ids.row_unreadable]);
    await rm(path.join(uploads, unreadable, 'entry.json'));
    // The same deleted package's folder, written a moment ago: nothing says its writer is done.
    const young = 'zip_20990101_000000';
    await cp(path.join(uploads, deleted), path.join(uploads, young), { recursive: true });
    for (const dir of [listed, deleted, unreadable]) await age(path.join(uploads, dir), 3_600_000);

    const second = await buildTestStore({ storageDir: storage, env });
    try {
      const left = await eventually(
        () => uploadFolders(second),
        (names) => !names.includes(deleted),
      );
      expect(left.sort()).toEqual([listed, unreadable, young].sort());
      const download = await request(`${second.api}/plugins/${ids.still_listed}/download`);
      expect(download.status).toBe(200);
      await download.arrayBuffer();
    } finally {
      await second.close();
    }
  } finally {
    await client.end();
    await rm(storage, { recursive: true, force: true });
  }
});
