import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { createHash } from 'node:crypto';

/**
 * s3rver 3.7 writes an object in place and answers once the request body is read, before the file
 * is flushed: a read right after the 200, or during a second PUT of the same key, can see a
 * partial object. S3, MinIO, Ceph and Garage replace an object whole, and the store relies on that
 * (content-addressed keys are PUT again by concurrent publishes of one package). So the fake is
 * made to behave like them: each PUT goes to a temporary file, renamed over the object once closed.
 */
interface PutObjectInput {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}
interface FilesystemStoreLike {
  getResourcePath(bucket: string, key: string, kind: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: PutObjectInput): Promise<{ size: number; md5: string }>;
}
const FilesystemStore = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStoreLike };
FilesystemStore.prototype.putObject = async function putObjectWhole(this: FilesystemStoreLike, object: PutObjectInput) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(path.dirname(objectPath), { recursive: true });
  const temp = `${objectPath}.${randomBytes(6).toString('hex')}.tmp`;
  const md5 = createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Buffer.isBuffer(object.content) ? [object.content] : object.content, count, createWriteStream(temp));
    await rename(temp, objectPath);
  } finally {
    await rm(temp, { force: true });
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

/*
 * A real S3-compatible server for one test file: s3rver on a free loopback port, keeping its
 * objects in a temporary folder removed by stop(). The store talks to it only through the S3 API
 * (the same client settings as packages/store/src/blobs/s3-client.ts), so what passes here passes
 * against MinIO, Ceph or Garage; tests that tamper with a blob do it through `client` too.
 */

export const S3RVER_KEY = 'S3RVER';

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** OKO_STORE_BLOB_URL (s3://bucket/<prefix>), OKO_STORE_S3_ENDPOINT, AWS_REGION and s3rver's fixed keys. */
  env: Record<string, string>;
  /** A client of this server, path-style, checksums only when required (as the store's). */
  client: S3Client;
  /** Closes the client and the server, and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  bucket?: string;
  /** Key prefix in OKO_STORE_BLOB_URL; 'packages' by default. */
  prefix?: string;
  /** Reuse this folder (a restarted server that must still hold its objects); not removed by stop(). */
  directory?: string;
  /** Listen on this port (a restart on the same address); 0 (free) by default. */
  port?: number;
}

export async function startS3(options: S3ServerOptions = {}): Promise<S3Server> {
  const bucket = options.bucket ?? 'oko-test';
  const prefix = options.prefix ?? 'packages';
  const owned = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'oko-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    if (owned) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const env = {
    OKO_STORE_BLOB_URL: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    OKO_STORE_S3_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
  };
  const client = new S3Client({
    endpoint,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  let stopped = false;
  return {
    endpoint,
    bucket,
    env,
    client,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      if (owned) await rm(directory, { recursive: true, force: true });
    },
  };
}
