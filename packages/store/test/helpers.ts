import http from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startService, type RunningService } from '../../../test-support/service.js';
import { buildRawZip, manifestText, type RawZipEntry } from '../../shared/src/archive/raw-zip.js';

export { buildRawZip, manifestText, type RawZipEntry };

export interface TestStore {
  url: string;
  api: string;
  storage: string;
  service: RunningService;
  /** Starts a new process on the same storage folder. */
  restart: () => Promise<TestStore>;
  stop: () => Promise<void>;
}

export const STORE_ENTRY = 'packages/store/dist/server.js';

/** Starts the real store process on a free port with its own temporary storage folder and an unseeded catalog. */
export async function startStore(env: Record<string, string> = {}, storage?: string): Promise<TestStore> {
  const dir = storage ?? (await mkdtemp(path.join(os.tmpdir(), 'oko-store-test-')));
  const service = await startService({ entry: STORE_ENTRY, portEnv: 'OKO_STORE_PORT', env: { OKO_STORE_STORAGE_PATH: dir, OKO_STORE_HOST: '127.0.0.1', OKO_STORE_SEED: 'false', ...env } });
  const store: TestStore = {
    url: service.url,
    api: `${service.url}/api/v1`,
    storage: dir,
    service,
    restart: async () => {
      await service.stop();
      return startStore(env, dir);
    },
    stop: async () => {
      await service.stop();
      if (!storage) await rm(dir, { recursive: true, force: true });
    },
  };
  return store;
}

/** A valid plugin ZIP (plugin at the root). */
export function pluginZip(name = 'demo_plugin', version = '1.0.0', extra: Record<string, unknown> = {}, files: RawZipEntry[] = []): Buffer {
  return buildRawZip([
    { name: 'manifest.json', content: manifestText(name, version, extra) },
    { name: 'index.js', content: 'export async function setup(ctx) {}\nexport async function teardown() {}\n' },
    ...files,
  ]);
}

export async function uploadZip(store: TestStore, zip: Buffer, headers: Record<string, string> = {}, field = 'file'): Promise<Response> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'plugin.zip');
  return fetch(`${store.api}/plugins/upload/zip`, { method: 'POST', body: form, headers });
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Asserts the one error shape and returns the code. */
export async function expectError(response: Response, status: number, code: string): Promise<string> {
  const body = await json(response);
  if (response.status !== status || body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${response.status} ${JSON.stringify(body)}`);
  }
  if (typeof body.error.message !== 'string' || body.error.message.length === 0) throw new Error('error without message');
  if (JSON.stringify(body).includes('    at ')) throw new Error('stack trace in error body');
  return body.error.message as string;
}

export async function uploadFolders(store: TestStore): Promise<string[]> {
  return readdir(path.join(store.storage, 'uploads')).catch(() => []);
}

/** plugins.json parsed, or null when the store never wrote one. */
export async function catalogFile(store: TestStore): Promise<{ format: number; plugins: { id: string; name: string; version: string; storage: { dir: string } }[] } | null> {
  const text = await readFile(path.join(store.storage, 'plugins.json'), 'utf8').catch(() => null);
  return text === null ? null : JSON.parse(text);
}

/** Polls until check() passes; generous bounds because the test machine is shared and noisy. */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() - start > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A multipart body for field `file`, split so a test can send it piece by piece. */
export function multipartParts(zip: Buffer, boundary = 'oko-test-boundary'): { head: Buffer; tail: Buffer; contentType: string } {
  return {
    head: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plugin.zip"\r\nContent-Type: application/zip\r\n\r\n`),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A raw upload request the test controls byte by byte (to stall, abort or lie about its length). */
export function openRawUpload(store: TestStore, contentType: string, contentLength: number): { request: http.ClientRequest; response: Promise<{ status: number; body: any }> } {
  const request = http.request(`${store.api}/plugins/upload/zip`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': contentType, 'content-length': String(contentLength) },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      res.on('error', reject);
    });
    request.once('error', reject);
  });
  response.catch(() => {});
  return { request, response };
}

/** Sends a request that must be refused, checks the error shape, and that plugins.json and uploads/ did not change. */
export async function expectRefusal(store: TestStore, send: () => Promise<Response>, status: number, code: string): Promise<string> {
  const catalogBefore = await catalogFile(store);
  const foldersBefore = await uploadFolders(store);
  const message = await expectError(await send(), status, code);
  if (JSON.stringify(await catalogFile(store)) !== JSON.stringify(catalogBefore)) throw new Error('plugins.json changed');
  const foldersAfter = await uploadFolders(store);
  if (JSON.stringify(foldersAfter) !== JSON.stringify(foldersBefore)) throw new Error(`uploads/ changed: ${foldersAfter.join(', ')}`);
  return message;
}
