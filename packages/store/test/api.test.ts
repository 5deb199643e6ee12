import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractPluginArchive } from '@oko/shared/archive';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildRawZip, buildTestStore, catalogFile, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';

let store: TestStore;

// Each test gets its own store and storage folder: no test sees another's uploads.
beforeEach(async () => {
  store = await buildTestStore();
});
afterEach(async () => {
  await store?.close();
});

describe('store API', () => {
  it('answers health and info', async () => {
    const health = await json(await request(`${store.api}/health`));
    expect(health).toMatchObject({ status: 'healthy', storage_path: store.storage, plugins_count: 0, read_only: false });
    expect(typeof health.version).toBe('string');
    const info = await json(await request(`${store.api}/info`));
    expect(info.limits).toEqual({
      max_plugin_size_bytes: 100 * 1024 * 1024,
      max_unpacked_bytes: 256 * 1024 * 1024,
      max_entries: 10_000,
      upload_idle_timeout_ms: 30_000,
      upload_deadline_ms: 600_000,
    });
    expect(info.auth).toEqual({ api_key_required: false });
    expect(info.github).toMatchObject({
      api_url: 'https://api.github.com',
      web_host: 'github.com',
      download_hosts: ['codeload.github.com'],
    });
  });

  it('uploads a ZIP into the uploads/ layout and lists it', async () => {
    const response = await uploadZip(
      store,
      pluginZip('net_probe', '1.2.0', { tags: ['network'], author: 'Ops', description: 'Probes hosts' }, [
        { name: 'ui.yaml', content: 'has_page: true\npage_title: Probe\n' },
      ]),
    );
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toMatchObject({ success: true, plugin_id: body.plugin.id });
    expect(body.plugin).toMatchObject({
      name: 'net_probe',
      version: '1.2.0',
      author: 'Ops',
      source: 'zip_upload',
      source_url: null,
      tags: ['network'],
      ui: { has_page: true, page_title: 'Probe' },
    });
    expect(body.plugin.id).toMatch(/^[0-9a-f]{12}$/);
    expect(body.plugin).not.toHaveProperty('storage');

    const [folder] = await uploadFolders(store);
    expect(folder).toMatch(/^zip_\d{8}_\d{6}(_\d+)?$/);
    const files = await readdir(path.join(store.storage, 'uploads', folder!));
    expect(files.sort()).toEqual(['entry.json', 'extracted', 'package.zip', 'plugin.zip']);
    expect((await catalogFile(store))?.plugins.map((p) => p.id)).toEqual([body.plugin.id]);
  });

  it('searches by text and tag, with pages', async () => {
    for (const [name, tag] of [
      ['alpha_tool', 'a'],
      ['beta_tool', 'b'],
      ['gamma_tool', 'a'],
    ] as const) {
      expect((await uploadZip(store, pluginZip(name, '1.0.0', { tags: [tag] }))).status).toBe(201);
    }
    const all = await json(await request(`${store.api}/plugins`));
    expect(all.total).toBe(3);
    const byText = await json(await request(`${store.api}/plugins?q=TOOL`));
    expect(byText.plugins.map((p: { name: string }) => p.name)).toEqual(['alpha_tool', 'beta_tool', 'gamma_tool']);
    const byTag = await json(await request(`${store.api}/plugins?tag=a`));
    expect(byTag.plugins.map((p: { name: string }) => p.name)).toEqual(['alpha_tool', 'gamma_tool']);
    const page2 = await json(await request(`${store.api}/plugins?q=tool&page=2&per_page=2`));
    expect(page2).toMatchObject({ total: 3, page: 2, per_page: 2 });
    expect(page2.plugins.map((p: { name: string }) => p.name)).toEqual(['gamma_tool']);
    await expectErrorAnswer(await request(`${store.api}/plugins?per_page=0`), 400, 'VALIDATION_FAILED');
  });

  it('gets an entry by id, and by name resolves the newest version', async () => {
    const v1 = await json(await uploadZip(store, pluginZip('versioned', '1.9.0')));
    const v2 = await json(await uploadZip(store, pluginZip('versioned', '1.10.0')));
    const byId = await json(await request(`${store.api}/plugins/${v1.plugin_id}`));
    expect(byId.version).toBe('1.9.0');
    const byName = await json(await request(`${store.api}/plugins/versioned`));
    expect(byName.id).toBe(v2.plugin_id);
    await expectErrorAnswer(await request(`${store.api}/plugins/abc123`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${store.api}/plugins/a.b`), 400, 'VALIDATION_FAILED');
  });

  it('refuses the same name and version with 409 and leaves nothing behind', async () => {
    expect((await uploadZip(store, pluginZip('versioned', '1.9.0'))).status).toBe(201);
    const before = await uploadFolders(store);
    await expectErrorAnswer(await uploadZip(store, pluginZip('versioned', '1.9.0')), 409, 'PLUGIN_ALREADY_EXISTS');
    expect(await uploadFolders(store)).toEqual(before);
  });

  it('tells where the extracted plugin is', async () => {
    const created = await json(await uploadZip(store, pluginZip('pathy', '0.1.0')));
    const answer = await json(await request(`${store.api}/plugins/${created.plugin_id}/path`));
    expect(answer.exists).toBe(true);
    expect(answer.path.startsWith(path.join(store.storage, 'uploads'))).toBe(true);
    expect((await stat(path.join(answer.path, 'manifest.json'))).isFile()).toBe(true);
  });

  it('downloads a normalized ZIP whose size and SHA-256 match the catalog entry', async () => {
    // Plugin inside one top-level folder: the download must have it at the root.
    const created = await json(
      await uploadZip(
        store,
        buildRawZip([
          { name: 'wrapped-main/manifest.json', content: JSON.stringify({ name: 'wrapped', version: '2.0.0' }) },
          { name: 'wrapped-main/index.js', content: 'export async function setup() {}' },
          { name: 'wrapped-main/static/app.css', content: 'body{}' },
        ]),
      ),
    );
    const response = await request(`${store.api}/plugins/${created.plugin_id}/download`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await response.arrayBuffer());
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(response.headers.get('x-checksum-sha256')).toBe(sha);
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    expect(created.plugin).toMatchObject({ size: bytes.length, sha256: sha });

    const work = await mkdtemp(path.join(os.tmpdir(), 'oko-dl-'));
    try {
      await writeFile(path.join(work, 'dl.zip'), bytes);
      await mkdir(path.join(work, 'out'));
      const extracted = await extractPluginArchive(path.join(work, 'dl.zip'), path.join(work, 'out'));
      expect(extracted.pluginDir).toBe(path.join(work, 'out'));
      expect(extracted.manifest.name).toBe('wrapped');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // By name too, and a second download is byte-identical.
    const again = await request(`${store.api}/plugins/wrapped/download`);
    expect(again.headers.get('x-checksum-sha256')).toBe(sha);
    await again.arrayBuffer();
  });

  it('rebuilds a missing cached package with the same checksum', async () => {
    const created = await json(await uploadZip(store, pluginZip('rebuilt', '1.0.0')));
    const record = (await catalogFile(store))!.plugins.find((p) => p.id === created.plugin_id)!;
    await rm(path.join(store.storage, 'uploads', record.storage.dir, 'package.zip'));
    const response = await request(`${store.api}/plugins/${created.plugin_id}/download`);
    expect(response.headers.get('x-checksum-sha256')).toBe(created.plugin.sha256);
    expect(
      createHash('sha256')
        .update(Buffer.from(await response.arrayBuffer()))
        .digest('hex'),
    ).toBe(created.plugin.sha256);
  });

  it('deletes an entry and its files', async () => {
    const created = await json(await uploadZip(store, pluginZip('doomed', '1.0.0')));
    const record = (await catalogFile(store))!.plugins.find((p) => p.id === created.plugin_id)!;
    const response = await request(`${store.api}/plugins/${created.plugin_id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ success: true, plugin_id: created.plugin_id });
    expect(await uploadFolders(store)).not.toContain(record.storage.dir);
    expect((await catalogFile(store))!.plugins.some((p) => p.id === created.plugin_id)).toBe(false);
    await expectErrorAnswer(await request(`${store.api}/plugins/${created.plugin_id}`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${store.api}/plugins/${created.plugin_id}`, { method: 'DELETE' }), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${store.api}/plugins/${created.plugin_id}/download`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${store.api}/plugins/${created.plugin_id}/path`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('refuses uploads that are not multipart or lack the file field', async () => {
    const before = await uploadFolders(store);
    await expectErrorAnswer(
      await request(`${store.api}/plugins/upload/zip`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectErrorAnswer(await uploadZip(store, pluginZip('x_y'), {}, 'upload'), 400, 'BAD_REQUEST');
    expect(await uploadFolders(store)).toEqual(before);
  });

  it('refuses a GitHub import with a bad body', async () => {
    await expectErrorAnswer(
      await request(`${store.api}/plugins/upload/github`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      400,
      'VALIDATION_FAILED',
    );
    await expectErrorAnswer(
      await request(`${store.api}/plugins/upload/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"repo_url": ',
      }),
      400,
      'BAD_REQUEST',
    );
  });

  it('serves OpenAPI docs generated from the route schemas', async () => {
    const spec = await json(await request(`${store.url}/docs/json`));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/health',
        '/api/v1/info',
        '/api/v1/plugins',
        '/api/v1/plugins/{id}',
        '/api/v1/plugins/upload/zip',
        '/api/v1/plugins/upload/github',
        '/api/v1/plugins/{id}/path',
        '/api/v1/plugins/{id}/download',
      ]),
    );
    expect(spec.paths['/api/v1/plugins/upload/github'].post.requestBody.content['application/json'].schema.required).toContain('repo_url');
    // The ZIP route reads its body as a stream; the docs still show the form field it expects.
    expect(spec.paths['/api/v1/plugins/upload/zip'].post.requestBody.content['multipart/form-data'].schema).toMatchObject({
      required: ['file'],
      properties: { file: { format: 'binary' } },
    });
    expect(Object.keys(spec.paths['/api/v1/plugins/upload/zip'].post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '408', '413', '415', '422']),
    );
    expect((await request(`${store.url}/docs`)).status).toBe(200);
  });

  it('answers unknown routes in the error shape', async () => {
    await expectErrorAnswer(await request(`${store.api}/nope`), 404, 'ROUTE_NOT_FOUND');
  });
});
