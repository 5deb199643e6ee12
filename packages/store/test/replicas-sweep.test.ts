import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { request } from '../../../test-support/http.js';
import { json, multipartParts, openRawUpload, pluginZip, uploadZip } from './helpers.js';
import { downloadSha, listAll, startCluster, type ReplicaCluster } from './replica-cluster.js';

/*
 * Three replicas sharing PostgreSQL and s3rver, sweeping orphaned blobs every second with a grace
 * of two (OKO_STORE_SWEEP_*): the sweep races publishes and replicas die mid-upload, and still no
 * row ever names a blob that is gone, and what no row names goes after the grace.
 */
let cluster: ReplicaCluster;
const replica = (i: number) => cluster.replicas[i % cluster.replicas.length]!;

beforeAll(async () => {
  cluster = await startCluster(3, { OKO_STORE_SWEEP_GRACE_S: '2', OKO_STORE_SWEEP_INTERVAL_S: '1' });
});
afterAll(async () => {
  await cluster?.stop();
});

const PREFIX = 'packages/sha256/';

/** The SHA-256 of every package blob in the bucket. */
async function blobs(): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await cluster.s3.client.send(
      new ListObjectsV2Command({ Bucket: cluster.s3.bucket, Prefix: PREFIX, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) found.push(object.Key!.slice(PREFIX.length).replace(/\.zip$/, ''));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

/** A blob no row names, as a publish killed between its put and its row would leave. */
async function plantOrphan(): Promise<string> {
  const sha = randomBytes(32).toString('hex');
  await cluster.s3.client.send(new PutObjectCommand({ Bucket: cluster.s3.bucket, Key: `${PREFIX}${sha}.zip`, Body: randomBytes(64) }));
  return sha;
}

/** No row without its blob: every entry every replica lists is in the bucket and downloads as its SHA-256. */
async function expectEveryRowHasItsBlob(live = cluster.replicas): Promise<string[]> {
  const rows = await listAll(replica(0));
  const inBucket = new Set(await blobs());
  expect(rows.filter((row) => !inBucket.has(row.sha256)).map((row) => `${row.name}@${row.version}`)).toEqual([]);
  for (const r of live) {
    expect(await Promise.all(rows.map((row) => downloadSha(r, row.id)))).toEqual(rows.map((row) => row.sha256));
  }
  return [...new Set(rows.map((row) => row.sha256))].sort();
}

/** After the grace the bucket holds exactly what rows name: the orphans went, nothing else did. */
async function expectOrphansSwept(): Promise<void> {
  await eventually(
    async () => ({ rows: [...new Set((await listAll(replica(0))).map((r) => r.sha256))].sort(), blobs: await blobs() }),
    (seen) => JSON.stringify(seen.rows) === JSON.stringify(seen.blobs),
    30_000,
  );
}

/** A plugin ZIP of ~600 KiB (stored noise), so that half of it is clearly "in the middle". */
function bigPlugin(name: string): Buffer {
  return pluginZip(name, '1.0.0', {}, [{ name: 'noise.bin', content: randomBytes(600 * 1024), method: 0 }]);
}

describe('the sweep with three replicas', () => {
  it('running during concurrent publishes, never removes a blob a row then points to', { timeout: 180_000 }, async () => {
    const orphan = await plantOrphan();
    let wave = 0;
    const refused: string[] = [];
    // Waves of 12 publishes at once over the three replicas, until the sweep has been seen to run
    // (the planted orphan is gone) and at least five waves went by.
    while (wave < 5 || (await blobs()).includes(orphan)) {
      expect(wave, 'the sweep never removed the planted orphan').toBeLessThan(40);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => uploadZip(replica(i), pluginZip(`swept_${wave}_${i}`, '1.0.0'))),
      );
      for (const answer of answers) {
        if (answer.status === 201) continue;
        // A publish slower than the grace loses its claim and is refused whole; nothing else may fail.
        const body = await json(answer);
        expect([answer.status, body.error.code]).toEqual([503, 'BLOB_STORAGE_UNAVAILABLE']);
        refused.push(body.error.message);
      }
      wave++;
    }
    const published = (await listAll(replica(0))).filter((row) => row.name.startsWith('swept_')).length;
    expect(published + refused.length).toBe(wave * 12);
    await expectEveryRowHasItsBlob();
    await expectOrphansSwept();
  });
});

describe('a replica killed in the middle of a publish', () => {
  it('kill -9 during a slow streaming upload leaves no row and no lost blob; its scratch folder is swept after the grace', async () => {
    const before = await listAll(replica(0));
    const victim = replica(2);
    const zip = bigPlugin('killed_midway');
    const { head, tail, contentType } = multipartParts(zip);
    const { request: upload } = openRawUpload(victim, contentType, head.length + zip.length + tail.length);
    upload.on('error', () => undefined);
    upload.write(head);
    upload.write(zip.subarray(0, zip.length / 2));
    // The replica is writing this upload into its scratch folder when it dies.
    const uploads = path.join(victim.storage, 'uploads');
    await eventually(
      async () => (await readdir(uploads)).length,
      (n) => n === 1,
    );
    await victim.kill();
    upload.destroy();
    for (const r of [replica(0), replica(1)]) {
      expect((await json(await request(`${r.api}/plugins?q=killed_midway`))).total).toBe(0);
      expect(await listAll(r)).toEqual(before);
    }
    await expectEveryRowHasItsBlob([replica(0), replica(1)]);
    // Started again on the same scratch folder: the dead upload's folder goes once it has been idle for the grace.
    const restarted = await cluster.killAndRestart(2);
    expect(await listAll(restarted)).toEqual(before);
    await eventually(
      async () => readdir(uploads),
      (left) => left.length === 0,
    );
  });

  it('kill -9 between the blob put and the row: the blob stays only if a row names it, else the sweep takes it', async () => {
    const victim = replica(1);
    const known = new Set(await blobs());
    // 8 MiB of noise: the put, its read-back and the row take long enough for the kill to land between them.
    const zip = pluginZip('killed_after_put', '1.0.0', {}, [{ name: 'noise.bin', content: randomBytes(8 * 1024 * 1024), method: 0 }]);
    const publish = uploadZip(victim, zip).catch(() => null);
    const fresh = await eventually(
      async () => (await blobs()).filter((sha) => !known.has(sha)),
      (added) => added.length > 0,
    );
    await victim.kill();
    await publish;
    await cluster.killAndRestart(1);
    // Whichever way it went (the row committed first, or not), rows and blobs agree once the grace is over.
    const rowShas = await expectEveryRowHasItsBlob();
    await expectOrphansSwept();
    const rows = (await listAll(replica(0))).filter((row) => row.name === 'killed_after_put');
    expect((await blobs()).includes(fresh[0]!)).toBe(rows.length === 1);
    expect(rowShas.includes(fresh[0]!)).toBe(rows.length === 1);
  });
});
