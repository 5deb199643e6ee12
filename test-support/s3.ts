import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

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
