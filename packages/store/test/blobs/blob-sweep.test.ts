import { randomBytes } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { isOkoError } from '@oko/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { okoRejection } from '../../../../test-support/errors.js';
import { sha256 } from '../../../../test-support/fixtures.js';
import { StorageSweep, sweepBlob, sweepBlobs } from '../../src/blobs/blob-sweep.js';
import { consumeClaim } from '../../src/blobs/blob-claims.js';
import { runExclusive, LOCKS } from '../../src/postgres/advisory-lock.js';
import type { CatalogRepository } from '../../src/services/catalog-repository.js';
import { type BlobRig, claimCount, insertRow, openRig, stagePackage, useBlobEngines } from './blob-harness.js';

const engines = useBlobEngines();

// The sweep of orphaned blobs against a real PostgreSQL and s3rver: what it removes, what it keeps,
// and that it never removes a blob a row then points to, however publishes and sweeps interleave.

let rig: BlobRig | undefined;
const HOUR = 3_600_000;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const open = async () => (rig = await openRig(() => engines.pg.createDatabase('sweep'), engines.s3));

async function blobBytes(sha: string): Promise<Buffer | null> {
  try {
    const answer = await engines.s3.client.send(new GetObjectCommand({ Bucket: engines.s3.bucket, Key: rig!.storage.bucket.keyOf(sha) }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

/** claim, put, read back, then the row with the claim's step: what a publish does. */
async function publish(bytes: Buffer, catalogDelayMs = 0): Promise<string> {
  const { storage, db } = rig!;
  const { folder, pkg } = await stagePackage(storage, bytes);
  const stored = await storage.storePackage(folder, pkg);
  try {
    // A catalog write that takes a while (owner checks, a busy database): the window a sweep could strike in.
    if (catalogDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, catalogDelayMs));
    return await insertRow(db, pkg, stored.step);
  } finally {
    await stored.release();
    await storage.removeUploadFolder(folder.name);
  }
}

/** A blob written and claimed whose publish never wrote its row (it died, or lost a 409). */
async function orphan(bytes: Buffer): Promise<{ sha256: string; release(): Promise<void> }> {
  const { folder, pkg } = await stagePackage(rig!.storage, bytes);
  const stored = await rig!.storage.storePackage(folder, pkg);
  return { sha256: pkg.sha256, release: stored.release };
}

describe('the blob sweep', () => {
  it('keeps an orphan while it is younger than the grace or its claim is live, and removes it after', async () => {
    await open();
    const { db, storage } = rig!;
    const lost = await orphan(randomBytes(5000));
    expect(await sweepBlobs(db, storage.bucket, HOUR)).toEqual({ removed: [], kept: 0 }); // the blob is young
    expect(await sweepBlob(db, storage.bucket, lost.sha256, HOUR)).toBe(false); // old enough, but its claim is live
    expect(await blobBytes(lost.sha256)).not.toBeNull();

    // The publish died an hour and more ago: its claim has expired.
    await db.query("UPDATE blob_claims SET claimed_at = now() - interval '2 hours'");
    expect(await sweepBlob(db, storage.bucket, lost.sha256, HOUR)).toBe(true);
    expect(await blobBytes(lost.sha256)).toBeNull();
    expect(await claimCount(db, lost.sha256)).toBe(0);
  });

  it('removes an orphan whose claim was dropped once it is older than the grace', async () => {
    await open();
    const { db, storage } = rig!;
    const lost = await orphan(randomBytes(5000));
    await lost.release(); // e.g. the row lost a 409
    expect((await sweepBlobs(db, storage.bucket, HOUR)).removed).toEqual([]);
    expect((await sweepBlobs(db, storage.bucket, 0)).removed).toEqual([lost.sha256]);
    expect(await blobBytes(lost.sha256)).toBeNull();
  });

  it('fails the row of a publish whose claim expired, so no row points at a blob the sweep may have removed', async () => {
    await open();
    const { db, storage } = rig!;
    const { folder, pkg } = await stagePackage(storage, randomBytes(3000));
    const stored = await storage.storePackage(folder, pkg);
    await db.query("UPDATE blob_claims SET claimed_at = now() - interval '2 hours'");
    expect(await sweepBlob(db, storage.bucket, pkg.sha256, HOUR)).toBe(true);
    const error = await okoRejection(insertRow(db, pkg, stored.step));
    expect(error).toMatchObject({ code: 'BLOB_STORAGE_UNAVAILABLE', statusCode: 503 });
    expect((await db.query('SELECT count(*)::int AS n FROM catalog_records')).rows[0]?.n).toBe(0);
  });

  it('keeps a blob two rows share while either remains', async () => {
    await open();
    const { db, storage } = rig!;
    const bytes = randomBytes(4000);
    const first = await publish(bytes);
    const second = await publish(bytes);
    await db.query('DELETE FROM catalog_records WHERE id = $1', [first]);
    expect(await sweepBlobs(db, storage.bucket, 0)).toEqual({ removed: [], kept: 1 });
    expect(await blobBytes(sha256(bytes))).toEqual(bytes);
    await db.query('DELETE FROM catalog_records WHERE id = $1', [second]);
    expect((await sweepBlobs(db, storage.bucket, 0)).removed).toEqual([sha256(bytes)]);
  });

  it('leaves keys that are not package blobs alone', async () => {
    await open();
    const { db, storage } = rig!;
    const foreign = [`${rig!.prefix}/sha256/${'c'.repeat(64)}.zip.part`, `${rig!.prefix}/notes.txt`, `${rig!.prefix}/sha256/README`];
    for (const key of foreign)
      await engines.s3.client.send(new PutObjectCommand({ Bucket: engines.s3.bucket, Key: key, Body: 'x', ContentLength: 1 }));
    expect(await sweepBlobs(db, storage.bucket, 0)).toEqual({ removed: [], kept: 0 });
    for (const key of foreign) await engines.s3.client.send(new GetObjectCommand({ Bucket: engines.s3.bucket, Key: key }));
  });

  it('never removes a blob a row then points to while publishes and sweeps (grace 0) run together', async () => {
    await open();
    const { db, storage } = rig!;
    // Some contents repeat, so publishes and sweeps meet on one SHA-256 and on blobs a row already holds.
    const contents = Array.from({ length: 8 }, () => randomBytes(20_000 + Math.floor(Math.random() * 20_000)));
    // Rows before the race, of half the contents: the sweeps meet blobs a row holds while publishes of the same content run.
    for (const bytes of contents.slice(0, 4)) await publish(bytes);
    let publishing = true;
    const outcomes: string[] = [];
    const publishes = (async () => {
      try {
        await Promise.all(
          Array.from({ length: 6 }, async (_, worker) => {
            for (let i = 0; i < 10; i++) {
              try {
                // Mostly new content (a blob wrongly removed stays missing), sometimes one of the shared ones.
                const bytes = i % 3 === 0 ? contents[(worker + i) % contents.length]! : randomBytes(10_000 + worker * 1000 + i);
                await publish(bytes, Math.floor(Math.random() * 20));
                outcomes.push('published');
              } catch (error) {
                // Grace 0 makes every claim expire at once: a publish may lose its claim (or its blob before reading it back).
                if (!isOkoError(error) || !['BLOB_STORAGE_UNAVAILABLE', 'PACKAGE_INTEGRITY_ERROR'].includes(error.code)) throw error;
                outcomes.push(error.code);
              }
            }
          }),
        );
      } finally {
        publishing = false;
      }
    })();
    const sweeps = (async () => {
      let rounds = 0;
      while (publishing || rounds < 3) {
        await runExclusive(db, LOCKS.sweep, async () => {
          await sweepBlobs(db, storage.bucket, 0);
        });
        rounds++;
        // Rows go too (a few), so blobs become orphans again while they are being published.
        if (rounds % 3 === 0 && rounds <= 9)
          await db.query('DELETE FROM catalog_records WHERE id IN (SELECT id FROM catalog_records ORDER BY random() LIMIT 1)');
      }
      return rounds;
    })();
    const [published, swept] = await Promise.allSettled([publishes, sweeps]);
    if (published.status === 'rejected') throw published.reason;
    if (swept.status === 'rejected') throw swept.reason;
    expect(swept.value).toBeGreaterThan(2);
    // How many publishes won their race depends on the machine's pace (a grace-0 sweep may take any claim); what must hold is below.
    expect(outcomes).toHaveLength(60);
    const rows = (await db.query<{ sha256: string; size: string }>('SELECT sha256, size FROM catalog_records')).rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const bytes = await blobBytes(row.sha256);
      expect(bytes, `the blob of row ${row.sha256}`).not.toBeNull();
      expect(sha256(bytes!)).toBe(row.sha256);
      expect(bytes!.length).toBe(Number(row.size));
    }
  }, 120_000);
});

describe('the sweep schedule', () => {
  it('clears scratch folders nothing was written to for the grace, and keeps younger ones (another import may own them)', async () => {
    await open();
    const { db, storage } = rig!;
    const young = await storage.createUploadFolder('zip');
    const old = await storage.createUploadFolder('github_owner_repo');
    await mkdir(path.join(old.path, 'extracted'));
    await writeFile(path.join(old.path, 'plugin.zip'), 'x');
    const past = new Date(Date.now() - 2 * HOUR);
    for (const p of [path.join(old.path, 'extracted'), path.join(old.path, 'plugin.zip'), old.path]) await utimes(p, past, past);
    const sweep = new StorageSweep(db, {} as CatalogRepository, storage, { graceMs: HOUR, intervalMs: HOUR }, rig!.logs.log);
    const report = await sweep.runRound();
    expect(report.ran).toBe(true);
    expect(await storage.listUploadFolders()).toEqual([young.name]);
  });

  it('runs on one replica at a time', async () => {
    await open();
    const { db, storage } = rig!;
    const sweep = new StorageSweep(db, {} as CatalogRepository, storage, { graceMs: 0, intervalMs: HOUR }, rig!.logs.log);
    let inner: unknown;
    await runExclusive(db, LOCKS.sweep, async () => {
      inner = await sweep.runRound();
    });
    expect(inner).toMatchObject({ ran: false, removed: [] });
  });
});

it('a claim step that finds its claim gone refuses the row', async () => {
  await open();
  const error = await rig!.db.transaction((tx) => consumeClaim('no-such-token')(tx)).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'BLOB_STORAGE_UNAVAILABLE' });
});
