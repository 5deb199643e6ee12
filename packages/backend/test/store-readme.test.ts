import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { README_ASSET_MAX_BYTES } from '@oko/shared';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import type { RecordedRequest } from '../../../test-support/fake-store.js';
import { api, request } from '../../../test-support/http.js';
import { fakeStoreSetup } from './fake-store-setup.js';
import { rawRequest } from './helpers.js';

// A package's README and its images reach the store details page through the backend: the store's
// bytes, but the type, the sandbox and the size bound are the backend's own.
const setup = fakeStoreSetup('store-readme');
const README = '# Hello\n\n<script>alert(1)</script>\n![logo](img/logo.png)\n';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const IMAGE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'";

interface AssetAnswer {
  type: string;
  body: Buffer;
  /** Announce no Content-Length (chunked), as a store streaming a file would. */
  chunked?: boolean;
}

async function docsStore(assets: Record<string, AssetAnswer> = {}) {
  return setup.fakeStore([], {
    custom: (req: RecordedRequest, parts: string[], res: ServerResponse) => {
      if (parts[0] !== 'plugins') return false;
      if (parts[2] === 'readme') {
        // A store that names HTML: the backend must not pass that on.
        res.writeHead(200, { 'content-type': 'text/html', 'x-oko-readme-cut': 'true' }).end(README);
        return true;
      }
      if (parts[2] !== 'assets') return false;
      const asset = assets[parts.slice(3).join('/')];
      if (!asset) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such file' } }));
        return true;
      }
      res.writeHead(200, { 'content-type': asset.type, ...(asset.chunked ? {} : { 'content-length': String(asset.body.length) }) });
      res.end(asset.body);
      return true;
    },
  });
}

const assetCalls = (store: { requests: RecordedRequest[] }) => store.requests.filter((r) => r.url.includes('/assets/'));

describe('README relay', () => {
  it('answers the README as markdown, sandboxed and unsniffed, with the store’s cut flag', async () => {
    const store = await docsStore();
    const { backend } = await setup.backendFor(store.url, 'readme');
    const res = await request(`${api(backend)}/store/3f9a1c2b7d4e/readme`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(README);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-oko-readme-cut')).toBe('true');
    expect(res.headers.get('cache-control')).toContain('private');
    expect(store.requests.at(-1)!.url).toBe('/api/v1/plugins/3f9a1c2b7d4e/readme');
  });

  it('passes on the store’s 404 and answers 503 with the store down', async () => {
    const store = await setup.fakeStore([]);
    const { backend } = await setup.backendFor(store.url, 'readme-missing');
    await expectErrorAnswer(await request(`${api(backend)}/store/no_plugin/readme`), 404, 'PLUGIN_NOT_FOUND');
    await store.close();
    await expectErrorAnswer(await request(`${api(backend)}/store/no_plugin/readme`), 503, 'STORE_UNAVAILABLE');
  });
});

describe('README image relay', () => {
  it('serves an image with the type of its extension, whatever the store named, sandboxed', async () => {
    const store = await docsStore({
      'img/logo.png': { type: 'text/html', body: PNG },
      'img/diagram.svg': {
        type: 'application/javascript',
        body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      },
    });
    const { backend } = await setup.backendFor(store.url, 'assets');
    const png = await request(`${api(backend)}/store/tidy_plugin/assets/img/logo.png`);
    expect(png.status).toBe(200);
    expect(Buffer.from(await png.arrayBuffer())).toEqual(PNG);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('x-content-type-options')).toBe('nosniff');
    expect(png.headers.get('content-security-policy')).toBe(IMAGE_CSP);
    expect(png.headers.get('cache-control')).toBe('private, max-age=300');
    const svg = await request(`${api(backend)}/store/3f9a1c2b7d4e/assets/img/diagram.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('content-security-policy')).toBe(IMAGE_CSP);
    // A catalog id names one version's files for ever.
    expect(svg.headers.get('cache-control')).toContain('immutable');
    expect(assetCalls(store).map((r) => r.url)).toEqual([
      '/api/v1/plugins/tidy_plugin/assets/img/logo.png',
      '/api/v1/plugins/3f9a1c2b7d4e/assets/img/diagram.svg',
    ]);
  });

  it('refuses anything but an image before the store is asked, even when the store would call it one', async () => {
    const store = await docsStore({
      'app.js': { type: 'image/png', body: Buffer.from('alert(1)') },
      'page.html': { type: 'image/png', body: Buffer.from('<p>') },
    });
    const { backend } = await setup.backendFor(store.url, 'not-images');
    for (const file of ['app.js', 'page.html', 'README.md', 'logo.png.js'])
      expect(
        await expectErrorAnswer(await request(`${api(backend)}/store/tidy_plugin/assets/${file}`), 400, 'VALIDATION_FAILED'),
      ).toContain('only images');
    expect(assetCalls(store)).toEqual([]);
  });

  it('refuses paths that leave the package, sent byte for byte, before the store is asked', async () => {
    const store = await docsStore({ 'x.png': { type: 'image/png', body: PNG } });
    const { backend } = await setup.backendFor(store.url, 'traversal');
    for (const raw of [
      '..%2f..%2fsecret.png',
      '%2e%2e/secret.png',
      'img/..%2F..%2Fx.png',
      'img%5c..%5cx.png',
      'img//x.png',
      '.%2Fx.png',
      'C:x.png',
    ]) {
      const res = await rawRequest(backend, 'GET', `/api/v1/store/tidy_plugin/assets/${raw}`);
      expect([400, 404], `${raw}: ${res.status}`).toContain(res.status);
      if (res.status === 400) expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    await expectErrorAnswer(await rawRequest(backend, 'GET', '/api/v1/store/..%2f..%2fetc/assets/x.png'), 400, 'VALIDATION_FAILED');
    expect(assetCalls(store)).toEqual([]);
  });

  it('refuses an image over README_ASSET_MAX_BYTES, announced or streamed', async () => {
    const big = Buffer.alloc(README_ASSET_MAX_BYTES + 1, 1);
    const store = await docsStore({
      'big.png': { type: 'image/png', body: big },
      'stream.png': { type: 'image/png', body: big, chunked: true },
    });
    const { backend } = await setup.backendFor(store.url, 'oversize');
    for (const file of ['big.png', 'stream.png'])
      await expectErrorAnswer(await request(`${api(backend)}/store/tidy_plugin/assets/${file}`), 502, 'BAD_STORE_ANSWER');
  });

  it('passes on the store’s 404 for a file the package does not have', async () => {
    const store = await docsStore();
    const { backend } = await setup.backendFor(store.url, 'asset-missing');
    await expectErrorAnswer(await request(`${api(backend)}/store/tidy_plugin/assets/nope.png`), 404, 'NOT_FOUND');
  });
});
