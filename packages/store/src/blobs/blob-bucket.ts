import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createError } from '@oko/shared';
import type { BlobConfig } from '../config.js';

const SHA256 = /^[0-9a-f]{64}$/;
const DEFAULT_TIMEOUT_MS = 30_000;
const PUT_ATTEMPTS = 3;

/**
 * The S3 client for OKO_STORE_BLOB_URL. Region and credentials come from the SDK's own variables.
 * With an endpoint (MinIO, Ceph, Garage, s3rver) addressing is path-style, since those servers do
 * not serve bucket subdomains. Checksums only when an operation requires them: with the SDK's
 * default a streamed PUT goes out aws-chunked with a trailing checksum, which servers short of the
 * newest S3 behaviour (s3rver) store framing and all as the object's content. The SDK waits
 * forever by default: a bucket that stops answering (a hung server, a partition that drops
 * packets) would hang every publish and download, and once its sockets are all taken, every later
 * one too. So a connect, and a request whose socket moves no bytes, each get `timeoutMs`: then the
 * request fails (503 BLOB_STORAGE_UNAVAILABLE), while a long download that keeps flowing is not cut.
 */
export function createS3Client(config: BlobConfig): S3Client {
  return new S3Client({
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      socketTimeout: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    },
  });
}

/** A blob the bucket does not hold (as opposed to a bucket that cannot be reached). */
export function isMissingBlob(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export function blobUnavailable(doing: string, error: unknown) {
  return createError('BLOB_STORAGE_UNAVAILABLE', `The store's package storage could not ${doing}: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * The packages of one OKO_STORE_BLOB_URL, each under `<prefix>/sha256/<hex>.zip`. A key is only
 * ever made from a SHA-256 in lower-case hex (checked here, whatever a catalog row says), so no
 * row, request or package name can name another key or bucket.
 */
export class BlobBucket {
  private readonly base: string;

  constructor(
    readonly client: S3Client,
    readonly config: BlobConfig,
  ) {
    this.base = `${config.prefix ? `${config.prefix}/` : ''}sha256/`;
  }

  keyOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256 in hex: ${JSON.stringify(sha256.slice(0, 80))}`);
    return `${this.base}${sha256}.zip`;
  }

  /** The SHA-256 a key of this bucket stands for, or null for any other key (not the store's: left alone). */
  sha256Of(key: string): string | null {
    if (!key.startsWith(this.base)) return null;
    const match = /^([0-9a-f]{64})\.zip$/.exec(key.slice(this.base.length));
    return match ? match[1]! : null;
  }

  /** s3://bucket/key: where a package is, for GET /plugins/{id}/path and the logs. */
  locationOf(sha256: string): string {
    return `s3://${this.config.bucket}/${this.keyOf(sha256)}`;
  }

  /** Fails at start when the bucket is missing or the credentials do not reach it, rather than at the first publish. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      throw new Error(
        `OKO_STORE_BLOB_URL: bucket '${this.config.bucket}' cannot be reached${this.config.endpoint ? ` at ${this.config.endpoint}` : ''} ` +
          `(${(error as Error).name}: ${(error as Error).message}); check the bucket, AWS_REGION and the AWS_* credentials`,
        { cause: error },
      );
    }
  }

  /** Whether the bucket answers a HEAD now (GET /health); `signal` bounds it, retries included. */
  async probe(signal: AbortSignal): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: signal });
  }

  /**
   * The SDK never retries a PUT whose body is a stream (it cannot replay it), so one connection
   * cut as the upload starts (a server closing an idle keep-alive socket just as it is reused)
   * would fail the publish. The key is the content's hash, so writing it again is harmless: up to
   * PUT_ATTEMPTS, each from a fresh read of the file, while the bucket did not answer (no status) or
   * answered 5xx.
   */
  async put(file: string, sha256: string, size: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.config.bucket,
            Key: this.keyOf(sha256),
            Body: createReadStream(file),
            ContentLength: size,
            ContentType: 'application/zip',
          }),
        );
        return;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
        if (attempt >= PUT_ATTEMPTS || (status !== undefined && status < 500)) throw error;
      }
    }
  }

  /** The blob's bytes as the bucket holds them (and the length it announces); nothing here trusts them. */
  async get(sha256: string): Promise<{ body: Readable; length: number | undefined }> {
    const answer = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
    if (!answer.Body) throw new Error('the bucket answered without a body');
    return { body: answer.Body as Readable, length: answer.ContentLength };
  }

  async delete(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
  }

  /** Every package blob of this prefix with its last write, page by page. */
  async *list(): AsyncGenerator<{ sha256: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.base, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        const sha256 = item.Key ? this.sha256Of(item.Key) : null;
        if (sha256) yield { sha256, lastModified: item.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
