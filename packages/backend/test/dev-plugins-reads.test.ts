import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answering, manifestOf, push } from './dev-helpers.js';
import { api, buildBackend, makeDirs, type Dirs } from './helpers.js';

let dirs: Dirs;
let backend: Awaited<ReturnType<typeof buildBackend>>;
const devDir = () => path.join(dirs.dataDir, 'dev-plugins');
beforeAll(async () => {
  dirs = await makeDirs([]);
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

const reader = [
  'import { readFileSync } from "node:fs";',
  'export function setup(ctx) {',
  '  ctx.routes.get("/answer", (req) => {',
  '    try { return { read: readFileSync(String(req.query.path), "utf8").slice(0, 40) }; }',
  '    catch (error) { return { refused: error.code }; }',
  '  });',
  '}',
].join('\n');

describe('what a development plugin may read', () => {
  // Declaring '/' (granted for the session without a dialog) still leaves out the backend's data
  // folder (accounts, grants, the instance id) and the development folder: other plugins' pushed
  // trees and data, and its own last pushed tree.
  it("never the backend's data or another development plugin's files, whatever it declares", async () => {
    await push(backend, 'dev_victim', { ...answering('dev_victim', 'x'), 'secret.txt': 'victim secret' }, { replace: true });
    const wide = { read: ['/', dirs.dataDir, devDir(), path.join(devDir(), '.work')] };
    const files = { 'manifest.json': manifestOf('dev_snoop', { permissions: wide }), 'index.js': reader };
    const pushed = await push(backend, 'dev_snoop', files, { replace: true });
    expect(pushed.body).toMatchObject({ state: 'active', permissions_added: expect.arrayContaining(['read /']) });
    const readBy = async (file: string) =>
      (await api(backend, 'GET', `/api/v1/plugins/dev-snoop/answer?path=${encodeURIComponent(file)}`)).body;
    await writeFile(path.join(dirs.dataDir, 'auth-probe.json'), 'secret');
    for (const file of [
      path.join(dirs.dataDir, 'auth-probe.json'),
      path.join(dirs.dataDir, 'instance-id'),
      path.join(devDir(), '.work', 'dev_victim', 'secret.txt'),
      path.join(devDir(), 'dev_victim', 'secret.txt'),
      path.join(devDir(), '.data', 'dev_victim'),
      path.join(devDir(), '.work', 'dev_snoop', 'index.js'),
    ])
      expect(await readBy(file), file).toEqual({ refused: 'ERR_ACCESS_DENIED' });
    // Its own folder stays readable.
    expect((await readBy(path.join(devDir(), 'dev_snoop', 'manifest.json'))).read).toContain('dev_snoop');
  });
});
