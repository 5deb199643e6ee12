import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectErrorAnswer } from '../../../../test-support/errors.js';
import { request } from '../../../../test-support/http.js';
import { startS3, type S3Server } from '../../../../test-support/s3.js';
import { BlobBucket, createS3Client } from '../../src/blobs/blob-bucket.js';
import { sweepBlobs } from '../../src/blobs/blob-sweep.js';
import { Database } from '../../src/postgres/database.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from '../helpers.js';
import { recordingLog, useBlobEngines } from './blob-harness.js';

const engines = useBlobEngines();

/* The store's routes with packages in S3 (OKO_STORE_BLOB_URL) and the catalog in PostgreSQL, in-process, on s3rver. */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const IMMUTABLE = 'public, max-age=31536000, immutable';
const stores: TestStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

interface Rig {
  store: TestStore;
  url: string;
  prefix: string;
}

async function storeOn(server: S3Server = engines.s3, url?: string, prefix = `r-${stores.length}-${Date.now()}`): Promise<Rig> {
  const database = url ?? (await engines.pg.createDatabase('blobroutes'));
  const store = await buildTestStore({
    env: { ...server.env, OKO_STORE_BLOB_URL: `s3://${server.bucket}/${prefix}`, OKO_STORE_DATABASE_URL: database, OKO_STORE_API_KEY: KEY },
  });
  stores.push(store);
  return { store, url: database, prefix };
}

const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function blobBytes(key: string): Promise<Buffer | null> {
  try {
    const answer = await engines.s3.client.send(new GetObjectCommand({ Bucket: engines.s3.bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

async function publish(store: TestStore, zip: Buffer): Promise<any> {
  const answer = await uploadZip(store, zip, ADMIN);
  expect(answer.status).toBe(201);
  return (await json(answer)).plugin;
}

describe('packages in S3', () => {
  it('stores the package under its SHA-256, lists it, and leaves no upload folder behind', async () => {
    const { store, prefix } = await storeOn();
    const plugin = await publish(store, pluginZip('s3_probe', '1.0.0'));
    const stored = await blobBytes(`${prefix}/sha256/${plugin.sha256}.zip`);
    expect(stored).not.toBeNull();
    expect(sha(stored!)).toBe(plugin.sha256);
    expect(stored!.length).toBe(plugin.size);
    expect((await json(await request(`${store.api}/plugins/${plugin.id}`))).sha256).toBe(plugin.sha256);
    expect(await readdir(path.join(store.storage, 'uploads'))).toEqual([]);

    const where = await json(await request(`${store.api}/plugins/${plugin.id}/path`));
    expect(where).toEqual({ path: `s3://${engines.s3.bucket}/${prefix}/sha256/${plugin.sha256}.zip`, exists: false });
  });

  it('streams downloads from the bucket with ETag and immutable caching by id, and answers If-None-Match with 304', async () => {
    const { store, prefix } = await storeOn();
    const plugin = await publish(store, pluginZip('s3_download', '1.0.0'));
    const byId = await request(`${store.api}/plugins/${plugin.id}/download`);
    expect(byId.status).toBe(200);
    const bytes = Buffer.from(await byId.arrayBuffer());
    expect(bytes).toEqual(await blobBytes(`${prefix}/sha256/${plugin.sha256}.zip`));
    expect(byId.headers.get('etag')).toBe(`"${plugin.sha256}"`);
    expect(byId.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(byId.headers.get('x-checksum-sha256')).toBe(plugin.sha256);
    expect(Number(byId.headers.get('content-length'))).toBe(plugin.size);

    const byName = await request(`${store.api}/plugins/s3_download/download`);
    expect(byName.status).toBe(200);
    expect(byName.headers.get('cache-control')).toBeNull(); // a name moves to each new version
    await byName.arrayBuffer();

    const head = await fetch(`${store.api}/plugins/${plugin.id}/download`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(plugin.size);
    expect(head.headers.get('etag')).toBe(`"${plugin.sha256}"`);

    const again = await request(`${store.api}/plugins/${plugin.id}/download`, { headers: { 'if-none-match': `"${plugin.sha256}"` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(`"${plugin.sha256}"`);
  });

  it('aborts the download of a blob altered in the bucket, before the client has all of it, and logs PACKAGE INTEGRITY', async () => {
    const { store, prefix } = await storeOn();
    const plugin = await publish(
      store,
      pluginZip('s3_tampered', '1.0.0', {}, [{ name: 'noise.bin', content: randomBytes(400_000), method: 0 }]),
    );
    const key = `${prefix}/sha256/${plugin.sha256}.zip`;
    const altered = (await blobBytes(key))!;
    altered[200_000] = altered[200_000]! ^ 0xff; // mid-file: some chunks go out before the end is hashed
    await engines.s3.client.send(
      new PutObjectCommand({ Bucket: engines.s3.bucket, Key: key, Body: altered, ContentLength: altered.length }),
    );
    const errors = vi.spyOn(store.app.log, 'error');
    // Over a real socket: what a dashboard sees is a response cut short, never a whole wrong file.
    const answer = await fetch(`${store.api}/plugins/${plugin.id}/download`);
    expect(answer.status).toBe(200);
    const received = await answer.arrayBuffer().then(
      (body) => body.byteLength,
      () => -1, // cut off mid-body
    );
    expect(received).toBeLessThan(plugin.size);
    expect(errors.mock.calls.some((call) => call.some((arg) => typeof arg === 'string' && arg.includes('PACKAGE INTEGRITY')))).toBe(true);

    // A blob of another length is refused before any byte: a clean 500.
    await engines.s3.client.send(
      new PutObjectCommand({ Bucket: engines.s3.bucket, Key: key, Body: altered.subarray(1), ContentLength: altered.length - 1 }),
    );
    await expectErrorAnswer(await request(`${store.api}/plugins/${plugin.id}/download`), 500, 'PACKAGE_INTEGRITY_ERROR');
  });

  it('answers 503 BLOB_STORAGE_UNAVAILABLE when the bucket is down, and lists nothing', async () => {
    const own = await startS3();
    try {
      const { store } = await storeOn(own);
      await own.stop();
      await expectErrorAnswer(await uploadZip(store, pluginZip('s3_down', '1.0.0'), ADMIN), 503, 'BLOB_STORAGE_UNAVAILABLE');
      expect((await json(await request(`${store.api}/plugins`))).total).toBe(0);
      expect(await readdir(path.join(store.storage, 'uploads'))).toEqual([]);
    } finally {
      await own.stop();
    }
  });

  it('serves the README, its images and the changelog from the package, also after the cache is wiped', async () => {
    const { store } = await storeOn();
    const files = [
      { name: 'README.md', content: '# From S3\n\n![logo](img/logo.svg)\n' },
      { name: 'img/logo.svg', content: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
      { name: 'CHANGELOG.md', content: '# Changelog\n\n## 1.0.0\n\n- First from S3\n' },
    ];
    const plugin = await publish(store, pluginZip('s3_docs', '1.0.0', {}, files));
    for (let round = 0; round < 2; round++) {
      const readme = await request(`${store.api}/plugins/${plugin.id}/readme`);
      expect(readme.status).toBe(200);
      expect(await readme.text()).toBe('# From S3\n\n![logo](img/logo.svg)\n');
      const image = await request(`${store.api}/plugins/${plugin.id}/assets/img/logo.svg`);
      expect(image.status).toBe(200);
      expect(await image.text()).toContain('<svg');
      const versions = await json(await request(`${store.api}/plugins/s3_docs/versions`));
      expect(versions.versions[0].changelog).toContain('First from S3');
      await rm(path.join(store.storage, 'blob-cache'), { recursive: true, force: true }); // a cache: rebuilt at will
    }
  });

  it('keeps the blob of a deleted version until the sweep finds no row naming it; the tombstone refuses other content', async () => {
    const { store, url, prefix } = await storeOn();
    const plugin = await publish(store, pluginZip('s3_gone', '1.0.0'));
    const key = `${prefix}/sha256/${plugin.sha256}.zip`;
    expect((await request(`${store.api}/plugins/${plugin.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
    expect(await blobBytes(key)).not.toBeNull();

    await expectErrorAnswer(
      await uploadZip(store, pluginZip('s3_gone', '1.0.0', { description: 'Other content' }), ADMIN),
      409,
      'VERSION_DELETED',
    );
    // The same package may come back, and finds its blob (or writes it again).
    const back = await publish(store, pluginZip('s3_gone', '1.0.0'));
    expect(back.sha256).toBe(plugin.sha256);
    const logs = recordingLog();
    const db = await Database.open({ url, poolSize: 2 }, logs.log);
    const bucket = new BlobBucket(createS3Client({ bucket: engines.s3.bucket, prefix, endpoint: engines.s3.endpoint }), {
      bucket: engines.s3.bucket,
      prefix,
      endpoint: engines.s3.endpoint,
    });
    try {
      // The refused package's blob (written before its row was refused) is an orphan; the re-published one is kept.
      const first = await sweepBlobs(db, bucket, 0);
      expect(first.kept).toBe(1);
      expect(first.removed).not.toContain(plugin.sha256);
      expect((await request(`${store.api}/plugins/${back.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
      expect(await sweepBlobs(db, bucket, 0)).toEqual({ removed: [plugin.sha256], kept: 0 });
      expect(await blobBytes(key)).toBeNull();
    } finally {
      bucket.client.destroy();
      await db.close();
    }
  });

  it('never lists a package the sweep removed, with uploads (some racing for one version) and grace-0 sweeps running together', async () => {
    const { store, url, prefix } = await storeOn();
    const config = { bucket: engines.s3.bucket, prefix, endpoint: engines.s3.endpoint };
    const bucket = new BlobBucket(createS3Client(config), config);
    const db = await Database.open({ url, poolSize: 4 }, recordingLog().log);
    // Listed before the race: whatever the machine's pace, the check below has rows to look at.
    const before = [await publish(store, pluginZip('listed_before', '1.0.0')), await publish(store, pluginZip('listed_before', '2.0.0'))];
    let uploading = true;
    const sweeps = (async () => {
      let rounds = 0;
      while (uploading || rounds < 2) {
        await sweepBlobs(db, bucket, 0);
        rounds++;
      }
      return rounds;
    })();
    const statuses: number[] = [];
    try {
      await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          // Every fourth upload races another for the same name and version (with other content).
          const name = i % 4 === 0 ? 'raced_tool' : `swept_${i}`;
          const answer = await uploadZip(store, pluginZip(name, '1.0.0', { description: `upload ${i}` }), ADMIN);
          statuses.push(answer.status);
          await answer.arrayBuffer();
        }),
      );
    } finally {
      uploading = false;
    }
    try {
      expect(await sweeps).toBeGreaterThanOrEqual(2);
      // Grace 0 lets a sweep take a claim from a publish in flight: that publish fails (503, or 500 on its read-back), never lists.
      expect(statuses.every((status) => [201, 409, 500, 503].includes(status))).toBe(true);
      const listed = await json(await request(`${store.api}/plugins?all_versions=true&per_page=200`));
      expect(listed.total).toBe(statuses.filter((status) => status === 201).length + before.length);
      for (const plugin of listed.plugins) {
        const bytes = await blobBytes(`${prefix}/sha256/${plugin.sha256}.zip`);
        expect(bytes, `${plugin.name}: its blob`).not.toBeNull();
        expect(sha(bytes!)).toBe(plugin.sha256);
        const download = await request(`${store.api}/plugins/${plugin.id}/download`);
        expect(download.status).toBe(200);
        expect(sha(Buffer.from(await download.arrayBuffer()))).toBe(plugin.sha256);
      }
    } finally {
      bucket.client.destroy();
      await db.close();
    }
  }, 120_000);
});
