import http from 'node:http';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { README_ASSET_MAX_BYTES } from '@oko/shared';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

let store: TestStore;
let id: string;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4" onload="alert(2)"/></svg>';

/** A GET over a real socket with the path exactly as written: fetch and inject() would resolve `..` and some escapes first. */
function rawGet(rawPath: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(`${store.url}/`, { path: rawPath, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // an image
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

beforeAll(async () => {
  store = await buildTestStore();
  const zip = pluginZip('pictured', '1.0.0', {}, [
    { name: 'README.md', content: '# Pictured\n![shot](img/shot.png)\n' },
    { name: 'img/shot.png', content: PNG },
    { name: 'img/Logo.SVG', content: SVG },
    { name: 'page.html', content: '<script>alert(1)</script>' },
    { name: 'tool.js', content: 'alert(1)' },
    { name: '.hidden.png', content: PNG },
    { name: 'docs/.private/shot.png', content: PNG },
    { name: 'big.png', content: Buffer.alloc(README_ASSET_MAX_BYTES + 1) },
    { name: 'edge.png', content: Buffer.alloc(README_ASSET_MAX_BYTES) },
    { name: 'folder.png/inside.png', content: PNG },
  ]);
  const res = await uploadZip(store, zip);
  expect(res.status).toBe(201);
  id = (await json(res)).plugin_id;
  const folder = (await json(await request(`${store.api}/plugins/${id}/path`))).path as string;
  await writeFile(path.join(store.storage, 'secret.png'), PNG);
  await symlink(path.join(store.storage, 'secret.png'), path.join(folder, 'out.png'));
  await symlink(path.join(store.storage, 'plugins.json'), path.join(folder, 'catalog.png'));
  await symlink(path.join(folder, 'img', 'shot.png'), path.join(folder, 'alias.png'));
});
afterAll(async () => {
  await store?.close();
});

const asset = (file: string, ref = id, headers: Record<string, string> = {}) =>
  request(`${store.api}/plugins/${ref}/assets/${file}`, { headers });

describe('README images from the package', () => {
  it('serves an image with its type, nosniff, a sandbox CSP, inline, an ETag and immutable caching by catalog id', async () => {
    const res = await asset('img/shot.png');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'; style-src 'unsafe-inline'");
    expect(res.headers.get('content-disposition')).toBe('inline');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await asset('img/shot.png', id, { 'if-none-match': etag })).status).toBe(304);
    // By plugin name the answer moves with each new version: revalidated, not immutable.
    const byName = await asset('img/shot.png', 'pictured');
    expect(byName.status).toBe(200);
    expect(byName.headers.get('cache-control')).toBe('no-cache');
    expect((await asset('edge.png')).status).toBe(200);
    // A symlink that stays inside the package is the file it points to.
    expect((await asset('alias.png')).status).toBe(200);
  });

  it('serves an SVG (script and all) only as a sandboxed image', async () => {
    const res = await asset('img/Logo.SVG');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    expect(await res.text()).toBe(SVG);
  });

  it.each([
    ['page.html', 'another type'],
    ['tool.js', 'another type'],
    ['README.md', 'another type'],
    ['.hidden.png', 'a dotfile'],
    ['docs/.private/shot.png', 'a dot folder'],
    ['big.png', 'over the size limit'],
    ['out.png', 'a symlink leading out of the package'],
    ['catalog.png', "a symlink to the store's own files"],
    ['img/none.png', 'a missing file'],
    ['img', 'no type'],
    ['folder.png', 'a folder'],
  ])('answers 404 NOT_FOUND for %s (%s)', async (file) => {
    await expectErrorAnswer(await asset(file), 404, 'NOT_FOUND');
  });

  it.each([
    ['..%2f..%2f..%2fplugins.json', 'an encoded slash'],
    ['%2e%2e/%2e%2e/%2e%2e/secret.png', 'encoded dots'],
    ['%252e%252e/secret.png', 'a double encoding'],
    ['img%5cshot.png', 'an encoded backslash'],
    ['img/shot.png%00.png', 'an encoded NUL'],
    ['../../../secret.png', 'a raw ..'],
    ['img/../../../../secret.png', 'a raw .. after a folder'],
    ['./img/shot.png', 'a . segment'],
    ['/etc/passwd.png', 'an absolute path'],
    ['img//shot.png', 'an empty segment'],
  ])('refuses %s (%s) with 400 VALIDATION_FAILED, over a real socket', async (file) => {
    const answer = await rawGet(`/api/v1/plugins/${id}/assets/${file}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 PLUGIN_NOT_FOUND for an unknown plugin, and 400 for a bad id', async () => {
    await expectErrorAnswer(await asset('img/shot.png', 'no_such_plugin'), 404, 'PLUGIN_NOT_FOUND');
    expect((await rawGet('/api/v1/plugins/..%2f/assets/img/shot.png')).status).toBe(400);
  });
});
