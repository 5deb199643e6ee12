import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../../test-support/errors.js';
import { eventually } from '../../../../test-support/eventually.js';
import { post, request } from '../../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../../test-support/postgres.js';
import { startS3, type S3Server } from '../../../../test-support/s3.js';
import { BLOB_CACHE_DIR } from '../../src/blobs/blob-storage.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from '../fake-github.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from '../helpers.js';

/*
 * Packages in S3 on s3rver with the catalog in PostgreSQL, in-process: a download refused before
 * its first byte is no download, and a GitHub import lands in the bucket like an upload.
 */
let pg: PostgresServer;
let s3: S3Server;
let github: FakeGithub;
let store: TestStore;
const PREFIX = 'gh-counts';
const savedEnv = { ...process.env };
const AWS_KEYS = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

beforeAll(async () => {
  [pg, s3, github] = await Promise.all([startPostgres(), startS3(), startFakeGithub({})]);
  for (const key of AWS_KEYS) process.env[key] = s3.env[key];
  store = await buildTestStore({
    env: {
      ...s3.env,
      OKO_STORE_BLOB_URL: `s3://${s3.bucket}/${PREFIX}`,
      OKO_STORE_DATABASE_URL: await pg.createDatabase('ghcounts'),
      OKO_STORE_STATS_FOLD_S: '0',
      OKO_STORE_GITHUB_API_URL: github.apiUrl,
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
    },
  });
}, 60_000);
afterAll(async () => {
  await store?.close();
  for (const key of AWS_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await github?.close();
  await s3?.stop();
  await pg?.stop();
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const keyOf = (sha256: string) => `${PREFIX}/sha256/${sha256}.zip`;

async function blobBytes(sha256: string): Promise<Buffer | null> {
  try {
    const answer = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha256) }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch {
    return null;
  }
}

async function putBlob(sha256: string, body: Buffer): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha256), Body: body, ContentLength: body.length }));
}

async function blobKeys(): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${PREFIX}/` }));
  return (listed.Contents ?? []).map((item) => item.Key!).sort();
}

const installsOf = async (name: string) => (await json(await request(`${store.api}/plugins/${name}`))).installs;

describe('downloads from S3 and what counts', () => {
  it('does not count a download refused before its first byte (missing blob, another size); counts a good one', async () => {
    const uploaded = await uploadZip(store, pluginZip('s3_counted', '1.0.0'));
    expect(uploaded.status).toBe(201);
    const { plugin } = await json(uploaded);
    const original = (await blobBytes(plugin.sha256))!;
    const as = { 'x-oko-instance': 'refused-downloader-00001' };

    await putBlob(plugin.sha256, original.subarray(1)); // another size
    await expectErrorAnswer(await request(`${store.api}/plugins/${plugin.id}/download`, { headers: as }), 500, 'PACKAGE_INTEGRITY_ERROR');
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: keyOf(plugin.sha256) })); // missing
    await expectErrorAnswer(await request(`${store.api}/plugins/s3_counted/download`, { headers: as }), 500, 'PACKAGE_INTEGRITY_ERROR');
    expect(await installsOf('s3_counted')).toEqual({ downloads: 0, instances: 0 });
    // Nor does a refused download make its downloader's review a verified install.
    expect(await json(await post(`${store.api}/plugins/s3_counted/reviews`, { rating: 2 }, as))).toMatchObject({ verified_install: false });

    await putBlob(plugin.sha256, original);
    const good = await request(`${store.api}/plugins/${plugin.id}/download`, { headers: as });
    expect(good.status).toBe(200);
    expect(sha(new Uint8Array(await good.arrayBuffer()))).toBe(plugin.sha256);
    // Counted once: the two refused downloads before it would have made it 3. (A new downloader is in
    // the answers once the replica's batch is written, within 5 s.)
    const counted = await eventually(
      () => installsOf('s3_counted'),
      (seen) => seen.downloads >= 1 && seen.instances >= 1,
    );
    expect(counted).toEqual({ downloads: 1, instances: 1 });
    expect(await json(await post(`${store.api}/plugins/s3_counted/reviews`, { rating: 5 }, as))).toMatchObject({ verified_install: true });
  });
});

describe('a GitHub import with packages in S3', () => {
  it('puts the package in the bucket, downloads it with its sha256, serves the README from the cache, and a refresh of the same content is unchanged', async () => {
    github.repos['octo/s3gh'] = {
      main: [{ name: 'README.md', content: '# Imported into S3\n' }, ...pluginFiles('s3_github', '1.0.0')],
    };
    const imported = await request(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/s3gh` }),
    });
    expect(imported.status, await imported.clone().text()).toBe(201);
    const { plugin } = await json(imported);
    expect(plugin).toMatchObject({ name: 's3_github', version: '1.0.0', source: 'github' });

    const stored = await blobBytes(plugin.sha256);
    expect(stored).not.toBeNull();
    expect(sha(stored!)).toBe(plugin.sha256);
    expect(stored!.length).toBe(plugin.size);
    expect(await readdir(path.join(store.storage, 'uploads'))).toEqual([]); // the import's scratch folder is gone
    expect(await json(await request(`${store.api}/plugins/${plugin.id}/path`))).toEqual({
      path: `s3://${s3.bucket}/${keyOf(plugin.sha256)}`,
      exists: false,
    });

    const download = await request(`${store.api}/plugins/${plugin.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('x-checksum-sha256')).toBe(plugin.sha256);
    expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(plugin.sha256);

    const readme = await request(`${store.api}/plugins/${plugin.id}/readme`);
    expect(readme.status).toBe(200);
    expect(await readme.text()).toBe('# Imported into S3\n');
    expect(await readdir(path.join(store.storage, BLOB_CACHE_DIR))).toContain(plugin.sha256);

    const keys = await blobKeys();
    const refreshed = await request(`${store.api}/plugins/s3_github/refresh`, { method: 'POST' });
    expect(refreshed.status).toBe(200);
    expect(await json(refreshed)).toMatchObject({ status: 'unchanged', plugin: { id: plugin.id, version: '1.0.0' } });
    expect((await json(await request(`${store.api}/plugins/s3_github/versions`))).versions).toHaveLength(1);
    expect(await blobKeys()).toEqual(keys);
    expect(await readdir(path.join(store.storage, 'uploads'))).toEqual([]);
  });
});
