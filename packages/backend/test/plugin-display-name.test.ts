import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginFiles } from '../../../test-support/fixtures.js';
import { api, buildBackend, makeDirs, type Backend, type Dirs } from './helpers.js';

// display_name on every summary and details answer, by the one shared rule (pluginDisplayName):
// manifest display_name, else ui.yaml page_title, else the id.
let dirs: Dirs;
let backend: Backend;

beforeAll(async () => {
  dirs = await makeDirs(['good_plugin', 'other_plugin']);
  const named = path.join(dirs.pluginsDir, 'named_plugin');
  await mkdir(named, { recursive: true });
  const files = pluginFiles({ name: 'named_plugin' });
  const manifest = { ...JSON.parse(files['manifest.json'] as string), display_name: '  Named Plugin  ' };
  await writeFile(path.join(named, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(path.join(named, 'index.js'), files['index.js']!);
  await writeFile(path.join(named, 'ui.yaml'), 'page_title: Not this one\n');
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('display_name', () => {
  it('is the manifest’s display_name, else the page title, else the id, in the list and the details', async () => {
    const list = (await api(backend, 'GET', '/api/v1/plugins')).body.plugins as Array<{ id: string; display_name: string }>;
    const names = Object.fromEntries(list.map((plugin) => [plugin.id, plugin.display_name]));
    expect(names).toEqual({ named_plugin: 'Named Plugin', good_plugin: 'Good plugin', other_plugin: 'other_plugin' });
    expect((await api(backend, 'GET', '/api/v1/plugins/named_plugin')).body.display_name).toBe('Named Plugin');
  });
});
