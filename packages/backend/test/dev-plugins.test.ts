import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEV_MAX_BYTES, DEV_MAX_FILES } from '@oko/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answering, answerOf, manifestOf, push, pushBody } from './dev-helpers.js';
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

  it('runs concurrent pushes of one plugin one at a time, each a generation of its own', async () => {
    await push(backend, 'dev_race', answering('dev_race', 'zero'), { replace: true });
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((answer) => push(backend, 'dev_race', { 'index.js': answering('dev_race', answer)['index.js']! })),
    );
    expect(answers.map((answer) => answer.body.generation).sort()).toEqual([2, 3, 4]);
    const last = answers.find((answer) => answer.body.generation === 4)!;
    const expected = ['a', 'b', 'c'][answers.indexOf(last)];
    expect((await answerOf(backend, 'dev_race')).body).toEqual({ answer: expected });
  });

  it('refuses a broken manifest with its issues and keeps the last good version answering', async () => {
    await push(backend, 'dev_broken', answering('dev_broken', 'good'), { replace: true });
    const broken = await push(backend, 'dev_broken', {
      'manifest.json': '{"name": "dev_broken", "version": "one"}',
      'index.js': answering('dev_broken', 'never')['index.js']!,
    });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ state: 'active', generation: 1 });
    expect(broken.body.reload_ms).toBeUndefined();
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

describe('what a push may not do', () => {
  const one = (filePath: string) => ({ files: [{ path: filePath, content_base64: Buffer.from('x').toString('base64') }], replace: true });

  it.each([
    ['../x', 'escapes'],
    ['/abs/x.js', 'absolute'],
    ['a\\b.js', 'backslash'],
    ['nul\u0000.js', 'control character'],
    ['manifest.json/..', 'escapes'],
    ['./index.js', '"."'],
    ['C:/x.js', 'drive letter'],
    ['a//b.js', 'empty'],
    ['lib/', 'folder'],
  ])('refuses the path %j before writing anything (400 VALIDATION_FAILED)', async (bad, words) => {
    const answer = await api(backend, 'PUT', '/api/v1/dev/plugins/dev_attack', {
      ...pushBody(answering('dev_attack', 'x')),
      files: [...pushBody(answering('dev_attack', 'x')).files, ...one(bad).files],
      replace: true,
    });
    expect(await expectErrorAnswer(answer, 400, 'VALIDATION_FAILED')).toContain(words);
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/dev/plugins/dev_attack'), 404, 'DEV_PLUGIN_NOT_FOUND');
    expect((await readdir(devDir())).filter((entry) => !entry.startsWith('.') || entry.startsWith('.staging'))).not.toContain('dev_attack');
  });

  it('refuses a removed path that escapes, and a file sent twice', async () => {
    await push(backend, 'dev_paths', answering('dev_paths', 'x'), { replace: true });
    await expectErrorAnswer(await push(backend, 'dev_paths', {}, { removed: ['../../grants'] }), 400, 'VALIDATION_FAILED');
    const twice = pushBody({ 'a.js': '1' });
    twice.files.push({ path: 'A.js', content_base64: '' });
    await expectErrorAnswer(await api(backend, 'PUT', '/api/v1/dev/plugins/dev_paths', twice), 400, 'VALIDATION_FAILED');
    expect((await answerOf(backend, 'dev_paths')).body).toEqual({ answer: 'x' });
  });

  it('refuses content that is not base64', async () => {
    const body = pushBody(answering('dev_b64', 'x'), { replace: true });
    body.files[1]!.content_base64 = 'not base64!';
    expect(await expectErrorAnswer(await api(backend, 'PUT', '/api/v1/dev/plugins/dev_b64', body), 400, 'VALIDATION_FAILED')).toContain(
      'base64',
    );
  });

  it('refuses more files than DEV_MAX_FILES', async () => {
    const files = Array.from({ length: DEV_MAX_FILES + 1 }, (_, i) => ({ path: `f${i}.js`, content_base64: '' }));
    await expectErrorAnswer(await api(backend, 'PUT', '/api/v1/dev/plugins/dev_many', { files, replace: true }), 400, 'VALIDATION_FAILED');
  });

  it('refuses more decoded bytes than DEV_MAX_BYTES (413)', async () => {
    const big = Buffer.alloc(DEV_MAX_BYTES + 3).toString('base64');
    const body = { files: [{ path: 'big.bin', content_base64: big }], replace: true };
    await expectErrorAnswer(await api(backend, 'PUT', '/api/v1/dev/plugins/dev_big', body), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('never follows a link: a file written where a link was replaces the link', async () => {
    await push(backend, 'dev_link', answering('dev_link', 'x'), { replace: true });
    const outside = path.join(dirs.dataDir, 'outside.txt');
    await writeFile(outside, 'untouched');
    await symlink(outside, path.join(devDir(), '.work', 'dev_link', 'note.txt'));
    await push(backend, 'dev_link', { 'note.txt': 'pushed' });
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect(await readFile(path.join(devDir(), 'dev_link', 'note.txt'), 'utf8')).toBe('pushed');
  });
});

describe('permissions', () => {
  it('grants what a push adds for the session, says so, and the sandbox still refuses the rest', async () => {
    const server = http.createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const code = [
        'export function setup(ctx) {',
        '  ctx.routes.get("/answer", async (req) => {',
        '    try { return { ok: true, body: await (await fetch(req.query.url)).text() }; }',
        '    catch (error) { return { ok: false, code: error?.cause?.code ?? null }; }',
        '  });',
        '}',
      ].join('\n');
      const url = (p: number) => `/api/v1/plugins/dev-net/answer?url=${encodeURIComponent(`http://127.0.0.1:${p}/`)}`;
      const first = await push(backend, 'dev_net', { 'manifest.json': manifestOf('dev_net'), 'index.js': code }, { replace: true });
      expect(first.body.permissions_added).toBeUndefined();
      expect((await api(backend, 'GET', url(port))).body).toMatchObject({ ok: false, code: 'ERR_OKO_SANDBOX' });
      const widened = await push(backend, 'dev_net', {
        'manifest.json': manifestOf('dev_net', { permissions: { network: [`127.0.0.1:${port}`] } }),
      });
      expect(widened.body).toMatchObject({ state: 'active', permissions_added: [`network 127.0.0.1:${port}`] });
      expect((await api(backend, 'GET', url(port))).body).toEqual({ ok: true, body: 'reached' });
      expect((await api(backend, 'GET', url(port + 1))).body).toMatchObject({ ok: false, code: 'ERR_OKO_SANDBOX' });
      const details = await api(backend, 'GET', '/api/v1/plugins/dev_net');
      expect(details.body.permissions.granted.network).toEqual([`127.0.0.1:${port}`]);
      const same = await push(backend, 'dev_net', { 'index.js': code });
      expect(same.body.permissions_added).toBeUndefined();
    } finally {
      server.close();
    }
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

describe('as any plugin', () => {
  it('serves its page and its details like an installed plugin', async () => {
    const files = {
      'manifest.json': manifestOf('dev_page'),
      'ui.yaml': 'has_page: true\npage_title: Dev page\n',
      'index.js': 'export function setup(ctx) { ctx.page(() => "<h1>from the dev plugin</h1>"); }',
    };
    expect((await push(backend, 'dev_page', files, { replace: true })).body.state).toBe('active');
    const page = await api(backend, 'GET', '/api/v1/plugins/dev_page/page');
    expect(page.status).toBe(200);
    expect(page.body).toContain('from the dev plugin');
    expect((await api(backend, 'GET', '/api/v1/plugins/dev_page')).body).toMatchObject({ scope: 'dev', has_page_handler: true });
  });
});

describe('trust', () => {
  it('still refuses a development plugin whose signature file does not match (invalid)', async () => {
    const files = { ...answering('dev_signed', 'x'), 'oko-signature.json': JSON.stringify({ format: 1, key_id: 'nope' }) };
    const answer = await push(backend, 'dev_signed', files, { replace: true });
    expect(answer.body.state).toBe('error');
    expect(answer.body.error.reason).toContain('invalid');
    await expectErrorAnswer(await answerOf(backend, 'dev_signed'), 404, 'ROUTE_NOT_FOUND');
  });

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
