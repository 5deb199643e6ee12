import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answering, answerOf, manifestOf, push } from './dev-helpers.js';
import { api, buildBackend, eventually, expectErrorAnswer, makeDirs, type Backend, type Dirs } from './helpers.js';

let dirs: Dirs;
let backend: Backend & { app: Awaited<ReturnType<typeof buildBackend>>['app'] };
const devDir = () => path.join(dirs.dataDir, 'dev-plugins');
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

// One backend on loopback with sign-in off (no account): development plugins are allowed by default.
beforeAll(async () => {
  dirs = await makeDirs(['good_plugin']);
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('pushing a development plugin', () => {
  it('loads the first push (201), serves its route, and lists it with scope dev', async () => {
    const first = await push(backend, 'dev_first', answering('dev_first', 'one'), { replace: true });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'dev_first', version: '0.1.0', state: 'active', generation: 1 });
    expect(Date.parse(first.body.lease_expires_at)).toBeGreaterThan(Date.now());
    expect(first.body.reload_ms).toBeGreaterThanOrEqual(0);
    expect((await answerOf(backend, 'dev_first')).body).toEqual({ answer: 'one' });
    const list = await api(backend, 'GET', '/api/v1/plugins');
    expect(list.body.plugins.find((p: any) => p.id === 'dev_first')).toMatchObject({ scope: 'dev', state: 'active' });
    expect(await exists(path.join(devDir(), 'dev_first', 'index.js'))).toBe(true);
  });

  it('reloads on the next push: the route answers with the new code (200, generation 2)', async () => {
    await push(backend, 'dev_reload', answering('dev_reload', 'one'), { replace: true });
    const second = await push(backend, 'dev_reload', { 'index.js': answering('dev_reload', 'two')['index.js']! });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ state: 'active', generation: 2 });
    expect((await answerOf(backend, 'dev_reload')).body).toEqual({ answer: 'two' });
  });

  it('refuses a broken manifest with its issues and keeps the last good version answering', async () => {
    await push(backend, 'dev_broken', answering('dev_broken', 'good'), { replace: true });
    const broken = await push(backend, 'dev_broken', {
      'manifest.json': '{"name": "dev_broken", "version": "one"}',
      'index.js': answering('dev_broken', 'never')['index.js']!,
    });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ state: 'active', generation: 1 });
    expect(broken.body.refused.issues).toEqual([expect.objectContaining({ file: 'manifest.json', path: 'version' })]);
    expect((await answerOf(backend, 'dev_broken')).body).toEqual({ answer: 'good' });
    // The refused push's index.js is kept: fixing only the manifest runs it.
    const fixed = await push(backend, 'dev_broken', { 'manifest.json': manifestOf('dev_broken') });
    expect(fixed.body).toMatchObject({ state: 'active', generation: 2 });
    expect(fixed.body.refused).toBeUndefined();
    expect((await answerOf(backend, 'dev_broken')).body).toEqual({ answer: 'never' });
  });

  it('says the file and line when the new code throws at load', async () => {
    await push(backend, 'dev_throws', answering('dev_throws', 'fine'), { replace: true });
    const code = ['export function setup(ctx) {', "  ctx.log.info('about to fail');", "  throw new Error('boom on purpose');", '}'].join(
      '\n',
    );
    const failed = await push(backend, 'dev_throws', { 'index.js': code });
    expect(failed.body).toMatchObject({ state: 'error', generation: 2 });
    expect(failed.body.error.reason).toContain('boom on purpose');
    expect(failed.body.error.reason).toContain('index.js:3');
    await expectErrorAnswer(await answerOf(backend, 'dev_throws'), 404, 'ROUTE_NOT_FOUND');
    const syntax = await push(backend, 'dev_throws', {
      'lib/broken.js': 'export const x = ;',
      'index.js': "import './lib/broken.js';\nexport function setup() {}",
    });
    expect(syntax.body.state).toBe('error');
    expect(syntax.body.error.reason).toContain('lib/broken.js:1');
  });

  it('refuses a manifest whose name is not the one in the URL', async () => {
    const answer = await push(backend, 'dev_named', answering('dev_other', 'x'), { replace: true });
    expect(answer.body.refused.issues).toEqual([expect.objectContaining({ file: 'manifest.json', path: 'name' })]);
    expect(answer.body.state).toBe('error');
    expect((await api(backend, 'GET', '/api/v1/plugins/dev_named')).status).toBe(404);
  });

  it('refuses the name of an installed plugin (409 PLUGIN_NAME_TAKEN) and leaves it alone', async () => {
    await expectErrorAnswer(await push(backend, 'good_plugin', answering('good_plugin', 'x'), { replace: true }), 409, 'PLUGIN_NAME_TAKEN');
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin')).body.scope).toBe('external');
  });

  it('refuses a push without replace for a plugin it does not hold (DEV_PLUGIN_NOT_FOUND)', async () => {
    await expectErrorAnswer(await push(backend, 'dev_unknown', answering('dev_unknown', 'x')), 404, 'DEV_PLUGIN_NOT_FOUND');
  });
});

describe('removal', () => {
  it('DELETE unloads it and removes its folder and data', async () => {
    await push(backend, 'dev_delete', answering('dev_delete', 'x'), { replace: true });
    expect(await exists(path.join(devDir(), 'dev_delete'))).toBe(true);
    const removed = await api(backend, 'DELETE', '/api/v1/dev/plugins/dev_delete');
    expect(removed.body).toMatchObject({ status: 'removed', name: 'dev_delete' });
    await expectErrorAnswer(await answerOf(backend, 'dev_delete'), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/dev/plugins/dev_delete'), 404, 'DEV_PLUGIN_NOT_FOUND');
    expect(await exists(path.join(devDir(), 'dev_delete'))).toBe(false);
    expect(await exists(path.join(devDir(), '.data', 'dev_delete'))).toBe(false);
  });

  it('removes a plugin whose lease ran out, with its folder', async () => {
    await push(backend, 'dev_lease', answering('dev_lease', 'x'), { replace: true, lease_s: 5 });
    await backend.app.devPlugins.expireLeases(Date.now() + 6000);
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/dev/plugins/dev_lease'), 404, 'DEV_PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await answerOf(backend, 'dev_lease'), 404, 'ROUTE_NOT_FOUND');
    expect(await exists(path.join(devDir(), 'dev_lease'))).toBe(false);
  });

  it('keeps a plugin whose lease is renewed', async () => {
    await push(backend, 'dev_renew', answering('dev_renew', 'x'), { replace: true, lease_s: 5 });
    const renewed = await api(backend, 'POST', '/api/v1/dev/plugins/dev_renew/lease');
    expect(renewed.status).toBe(200);
    expect(await backend.app.devPlugins.expireLeases(Date.now() + 1000)).not.toContain('dev_renew');
    expect((await answerOf(backend, 'dev_renew')).body).toEqual({ answer: 'x' });
  });
});

describe('trust', () => {
  it('applies no tamper detection to a development plugin: an edit on disk is not modified', async () => {
    await push(backend, 'dev_edit', answering('dev_edit', 'x'), { replace: true });
    await writeFile(path.join(devDir(), 'dev_edit', 'extra.js'), 'export {};');
    const details = await api(backend, 'GET', '/api/v1/plugins/dev_edit');
    expect(details.body.signature?.state).not.toBe('modified');
    expect((await api(backend, 'POST', '/api/v1/plugins/dev_edit/reload')).body.state).toBe('active');
    expect(await readdir(path.join(devDir(), 'dev_edit'))).toContain('extra.js');
    expect(await readFile(path.join(devDir(), 'dev_edit', 'extra.js'), 'utf8')).toBe('export {};');
    void eventually;
  });
});
