import http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../test-support/raw-zip.js';

export { buildRawZip, manifestText, type RawZipEntry };
export { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

/** What these helpers need of a store, in-process (buildTestStore) or a process (startStore). */
export interface StoreUnderTest {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/v1` */
  api: string;
  storage: string;
}

/** A valid plugin ZIP (plugin at the root). */
export function pluginZip(name = 'demo_plugin', version = '1.0.0', extra: Record<string, unknown> = {}, files: RawZipEntry[] = []): Buffer {
  return buildRawZip([
    { name: 'manifest.json', content: manifestText(name, version, extra) },
    { name: 'index.js', content: 'export async function setup(ctx) {}\nexport async function teardown() {}\n' },
    ...files,
  ]);
}

export async function uploadZip(
  store: StoreUnderTest,
  zip: Buffer,
  headers: Record<string, string> = {},
  field = 'file',
): Promise<Response> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'plugin.zip');
  return request(`${store.api}/plugins/upload/zip`, { method: 'POST', body: form, headers });
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export async function uploadFolders(store: StoreUnderTest): Promise<string[]> {
  return readdir(path.join(store.storage, 'uploads')).catch(() => []);
}

/** plugins.json parsed, or null when the store never wrote one. */
export async function catalogFile(
  store: StoreUnderTest,
): Promise<{ format: number; plugins: { id: string; name: string; version: string; storage: { dir: string } }[] } | null> {
  const text = await readFile(path.join(store.storage, 'plugins.json'), 'utf8').catch(() => null);
  return text === null ? null : JSON.parse(text);
}

/** A multipart body for field `file`, split so a test can send it piece by piece. */
export function multipartParts(zip: Buffer, boundary = 'oko-test-boundary'): { head: Buffer; tail: Buffer; contentType: string } {
  return {
    head: Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plugin.zip"\r\nContent-Type: application/zip\r\n\r\n`,
    ),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A raw upload request over a real socket that the test controls byte by byte (to stall, abort or lie about its length). */
export function openRawUpload(
  store: StoreUnderTest,
  contentType: string,
  contentLength: number,
): { request: http.ClientRequest; response: Promise<{ status: number; body: any }> } {
  const outgoing = http.request(`${store.api}/plugins/upload/zip`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': contentType, 'content-length': String(contentLength) },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    outgoing.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      res.on('error', reject);
    });
    outgoing.once('error', reject);
  });
  response.catch(() => {});
  return { request: outgoing, response };
}

/** Sends a request that must be refused, checks the error shape, and that plugins.json and uploads/ did not change. */
export async function expectRefusal(store: StoreUnderTest, send: () => Promise<Response>, status: number, code: string): Promise<string> {
  const catalogBefore = await catalogFile(store);
  const foldersBefore = await uploadFolders(store);
  const message = await expectErrorAnswer(await send(), status, code);
  if (JSON.stringify(await catalogFile(store)) !== JSON.stringify(catalogBefore)) throw new Error('plugins.json changed');
  const foldersAfter = await uploadFolders(store);
  if (JSON.stringify(foldersAfter) !== JSON.stringify(foldersBefore)) throw new Error(`uploads/ changed: ${foldersAfter.join(', ')}`);
  return message;
}
