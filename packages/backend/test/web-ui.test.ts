import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { precompressFolder } from '../../frontend/build/precompress.js';

// A built UI as Vite leaves it, compressed by the build's own step: a hashed script and style, an
// unhashed public file, index.html. The answers must pick the encoding the browser accepts and
// give the bytes back unchanged.
let root: string;
let backend: TestBackend;
const script = `export const greeting = ${JSON.stringify('hello from the dashboard '.repeat(200))};\n`;
const indexHtml = `<!doctype html><html><head><script type="module" src="/assets/index-AbCd1234.js"></script></head><body><div id="app">oko ui ${'x'.repeat(400)}</div></body></html>`;
const emblem = `<svg xmlns="http://www.w3.org/2000/svg">${'<circle r="1"/>'.repeat(50)}</svg>`;

beforeAll(async () => {
  root = await tempDir('web-ui');
  const dist = path.join(root, 'dist');
  await mkdir(path.join(dist, 'assets'), { recursive: true });
  await writeFile(path.join(dist, 'index.html'), indexHtml);
  await writeFile(path.join(dist, 'assets', 'index-AbCd1234.js'), script);
  await writeFile(path.join(dist, 'assets', 'index-Zx_9-8Yw.css'), `body{margin:0}${'.a{color:red}'.repeat(100)}`);
  await writeFile(path.join(dist, 'oko-emblem.svg'), emblem);
  precompressFolder(dist);
  backend = await buildTestBackend({ env: { OKO_FRONTEND_DIR: dist } });
});

afterAll(async () => {
  await backend?.close();
  await removeDir(root);
});

const get = (url: string, acceptEncoding?: string) =>
  backend.app.inject({ method: 'GET', url, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });

describe('the built web UI, served precompressed', () => {
  it('answers brotli to a browser that accepts it, and the bytes decompress to the file', async () => {
    const res = await get('/assets/index-AbCd1234.js', 'gzip, deflate, br, zstd');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(script);
    expect(res.rawPayload.length).toBeLessThan(Buffer.byteLength(script) / 5);
  });

  it('answers gzip to a client that accepts only gzip, and the plain file to one that names nothing', async () => {
    const gzip = await get('/assets/index-AbCd1234.js', 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toMatch(/accept-encoding/i);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(script);

    const plain = await get('/assets/index-AbCd1234.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.body).toBe(script);
  });

  it('keeps hashed assets for a year and makes index.html and unhashed files revalidate', async () => {
    for (const url of ['/assets/index-AbCd1234.js', '/assets/index-Zx_9-8Yw.css']) {
      expect((await get(url, 'br')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const index = await get('/', 'br');
    expect(index.headers['content-encoding']).toBe('br');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(index.rawPayload).toString()).toBe(indexHtml);
    const svg = await get('/oko-emblem.svg', 'gzip');
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['cache-control']).toBe('no-cache');
    expect(gunzipSync(svg.rawPayload).toString()).toBe(emblem);
  });

  it('still answers index.html for a page of the app (/plugins/x), never cached', async () => {
    for (const url of ['/plugins/http_probe', '/plugins?tab=store']) {
      const res = await get(url, 'gzip, br');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(res.rawPayload).toString() : res.body;
      expect(body).toBe(indexHtml);
    }
  });

  it('serves no source map (none is built by default), and a missing asset is a 404, not the page', async () => {
    for (const url of ['/assets/index-AbCd1234.js.map', '/assets/index-Gone1234.js', '/index.js.map']) {
      const res = await get(url, 'br');
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).not.toContain('oko ui');
    }
  });

  it('serves a source map when a build made one (OKO_UI_SOURCEMAP=true)', async () => {
    const map = JSON.stringify({ version: 3, sources: ['main.ts'], mappings: 'AAAA' });
    await writeFile(path.join(root, 'dist', 'assets', 'index-AbCd1234.js.map'), map);
    const res = await get('/assets/index-AbCd1234.js.map');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(map);
  });
});
