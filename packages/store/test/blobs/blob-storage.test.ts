import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { packPluginDirectory } from '@oko/shared/archive';
import { afterEach, describe, expect, it } from 'vitest';
import { okoRejection } from '../../../../test-support/errors.js';
import { pluginFiles, sha256, tempDir, removeDir } from '../../../../test-support/fixtures.js';
import { startS3, type S3Server } from '../../../../test-support/s3.js';
import { BlobBucket } from '../../src/blobs/blob-bucket.js';
import { BlobPluginStorage } from '../../src/blobs/blob-storage.js';
import { type BlobRig, claimCount, insertRow, openRig, stagePackage, useBlobEngines } from './blob-harness.js';

const engines = useBlobEngines();

// The blob storage on its own, against a real PostgreSQL and a real S3-compatible server (s3rver):
// where a package goes, what is read back, what a download and the cache accept.

let rig: BlobRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const open = async (server: Pick<S3Server, 'bucket' | 'endpoint'> = engines.s3) =>
  (rig = await openRig(() => engines.pg.createDatabase('blobs'), server));

async function objectBytes(key: string): Promise<Buffer | null> {
  try {
    const answer = await engines.s3.client.send(new GetObjectCommand({ Bucket: engines.s3.bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

async function putObject(key: string, body: Buffer): Promise<void> {
  await engines.s3.client.send(new PutObjectCommand({ Bucket: engines.s3.bucket, Key: key, Body: body, ContentLength: body.length }));
}

/** Reads a stream to its end: the bytes that came, and the error it ended with (if any). */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

describe('writing a package', () => {
  it('puts it under <prefix>/sha256/<hex>.zip, claimed, before any row; the row transaction takes the claim over', async () => {
    const { storage, db, prefix } = await open();
    const bytes = randomBytes(300_000);
    const { folder, pkg } = await stagePackage(storage, bytes);
    const stored = await storage.storePackage(folder, pkg);
    const key = `${prefix}/sha256/${pkg.sha256}.zip`;
    expect(await objectBytes(key)).toEqual(bytes);
    expect(storage.bucket.locationOf(pkg.sha256)).toBe(`s3://${engines.s3.bucket}/${key}`);
    expect(await claimCount(db, pkg.sha256)).toBe(1);
    await insertRow(db, pkg, stored.step);
    expect(await claimCount(db, pkg.sha256)).toBe(0);
    await stored.release(); // after the row: nothing left to drop
    expect(await objectBytes(key)).toEqual(bytes);
  });

  it('fails the publish clearly when the bucket gives back other bytes than were written, and keeps no claim', async () => {
    const { storage, db, logs } = await open();
    const bytes = randomBytes(4096);
    const { folder } = await stagePackage(storage, bytes);
    // What a server that stores other bytes than it was sent (aws-chunked framing, say) looks like from here.
    const claimed = { sha256: sha256(Buffer.from('something else')), size: bytes.length };
    const error = await okoRejection(storage.storePackage(folder, claimed));
    expect(error.code).toBe('PACKAGE_INTEGRITY_ERROR');
    expect(await claimCount(db, claimed.sha256)).toBe(0);
    expect(logs.text()).toMatch(/PACKAGE INTEGRITY: s3:\/\/.*read back after writing/);
  });

  it("refuses what a server stores from the SDK's default checksums (aws-chunked framing kept as content) on reading it back", async () => {
    const { storage, db, scratch, logs } = await open();
    const config = { bucket: engines.s3.bucket, prefix: `${rig!.prefix}-defaults`, endpoint: engines.s3.endpoint };
    // The SDK as it comes: a streamed PUT goes out aws-chunked with a trailing checksum.
    const defaults = new S3Client({ endpoint: engines.s3.endpoint, forcePathStyle: true });
    const naive = new BlobPluginStorage(scratch, new BlobBucket(defaults, config), db, logs.log);
    try {
      const { folder, pkg } = await stagePackage(storage, randomBytes(50_000));
      const error = await okoRejection(naive.storePackage(folder, pkg));
      expect(error.code).toBe('PACKAGE_INTEGRITY_ERROR');
      expect(await claimCount(db, pkg.sha256)).toBe(0);
      // The same package through the store's own client settings is stored as sent.
      const stored = await storage.storePackage(folder, pkg);
      await stored.release();
    } finally {
      defaults.destroy();
    }
  });

  it('answers BLOB_STORAGE_UNAVAILABLE (503) when the bucket cannot be reached, and keeps no claim', async () => {
    const own = await startS3();
    try {
      const { storage, db } = await open(own);
      const { folder, pkg } = await stagePackage(storage, randomBytes(2048));
      await own.stop();
      const error = await okoRejection(storage.storePackage(folder, pkg));
      expect(error).toMatchObject({ code: 'BLOB_STORAGE_UNAVAILABLE', statusCode: 503 });
      expect(await claimCount(db, pkg.sha256)).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it('refuses to start when the bucket does not exist', async () => {
    await expect(
      openRig(() => engines.pg.createDatabase('blobs'), { bucket: 'no-such-bucket', endpoint: engines.s3.endpoint }),
    ).rejects.toThrow(/bucket 'no-such-bucket' cannot be reached/);
  });
});

describe('reading a package', () => {
  async function published(bytes: Buffer) {
    const { storage, db } = rig ?? (await open());
    const { folder, pkg } = await stagePackage(storage, bytes);
    const stored = await storage.storePackage(folder, pkg);
    await insertRow(db, pkg, stored.step);
    return { ...pkg, record: { ...pkg, id: 'x', name: 'p', version: '1.0.0' } as never };
  }

  it('streams the bytes as published', async () => {
    const bytes = randomBytes(1_500_000);
    const { record } = await published(bytes);
    const { bytes: got, error } = await drain(await rig!.storage.blobs.open(record));
    expect(error).toBeNull();
    expect(got).toEqual(bytes);
  });

  it("ends a download of a blob altered behind the store's back before its last byte, and logs PACKAGE INTEGRITY", async () => {
    const bytes = randomBytes(700_000);
    const { record, sha256: sha } = await published(bytes);
    const altered = Buffer.from(bytes);
    altered[123_456] = altered[123_456]! ^ 0xff;
    await putObject(rig!.storage.bucket.keyOf(sha), altered);
    const { bytes: got, error } = await drain(await rig!.storage.blobs.open(record));
    expect(error).toMatchObject({ code: 'PACKAGE_INTEGRITY_ERROR' });
    expect(got.length).toBeLessThan(bytes.length);
    expect(rig!.logs.text()).toMatch(/PACKAGE INTEGRITY: s3:\/\/.*download of p 1\.0\.0/);
  });

  it('refuses, before anything is sent, a blob of another size or a missing one', async () => {
    const bytes = randomBytes(10_000);
    const { record, sha256: sha } = await published(bytes);
    const key = rig!.storage.bucket.keyOf(sha);
    await putObject(key, bytes.subarray(0, 9_000));
    expect((await okoRejection(rig!.storage.blobs.open(record))).code).toBe('PACKAGE_INTEGRITY_ERROR');
    await engines.s3.client.send(new DeleteObjectCommand({ Bucket: engines.s3.bucket, Key: key }));
    const missing = await okoRejection(rig!.storage.blobs.open(record));
    expect(missing.code).toBe('PACKAGE_INTEGRITY_ERROR');
    expect(missing.message).toMatch(/is missing/);
  });

  it('makes keys only of a SHA-256 in hex: no row can name another key or bucket', async () => {
    const { storage } = await open();
    for (const bad of ['../../other-bucket/x', 'A'.repeat(64), `${'a'.repeat(63)}/`, '', 'a'.repeat(65)]) {
      expect(() => storage.bucket.keyOf(bad)).toThrow(/not a SHA-256/);
      await expect(storage.blobs.open({ sha256: bad, size: 1 } as never)).rejects.toThrow(/not a SHA-256/);
    }
    expect(storage.bucket.sha256Of(`${rig!.prefix}/sha256/${'b'.repeat(64)}.zip`)).toBe('b'.repeat(64));
    expect(storage.bucket.sha256Of(`${rig!.prefix}/sha256/${'b'.repeat(64)}.zip.tmp`)).toBeNull();
    expect(storage.bucket.sha256Of(`${rig!.prefix}/other/${'b'.repeat(64)}.zip`)).toBeNull();
  });

  it("extracts a package into this replica's cache once, checked, and refuses a tampered blob there too", async () => {
    const dir = await tempDir('blob-plugin');
    try {
      const files = { ...pluginFiles({ name: 'cached_docs' }), 'README.md': '# Cached\n', 'img/logo.svg': '<svg/>' };
      for (const [name, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, 'src', name)), { recursive: true });
        await writeFile(path.join(dir, 'src', name), content);
      }
      const packed = await packPluginDirectory(path.join(dir, 'src'), path.join(dir, 'package.zip'));
      const bytes = await readFile(path.join(dir, 'package.zip'));
      const { record } = await published(bytes);
      const folder = await rig!.storage.blobs.filesOf(record);
      expect(folder).toBe(path.join(rig!.scratch, 'blob-cache', packed.sha256));
      expect(await readFile(path.join(folder, 'README.md'), 'utf8')).toBe('# Cached\n');
      expect(await rig!.storage.blobs.filesOf(record)).toBe(folder);

      await removeDir(path.join(rig!.scratch, 'blob-cache', packed.sha256)); // a cache: rebuilt at will
      await putObject(rig!.storage.bucket.keyOf(packed.sha256), Buffer.alloc(bytes.length, 1));
      expect((await okoRejection(rig!.storage.blobs.filesOf(record))).code).toBe('PACKAGE_INTEGRITY_ERROR');
    } finally {
      await removeDir(dir);
    }
  });
});
