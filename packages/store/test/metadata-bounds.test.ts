import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import {
  buildRawZip,
  buildTestStore,
  catalogFile,
  expectRefusal,
  json,
  manifestText,
  pluginZip,
  uploadZip,
  type TestStore,
} from './helpers.js';

// What a package's metadata and paths may cost the store (README, How a plugin package looks).
let store: TestStore;

beforeEach(async () => {
  store = await buildTestStore();
  // One good entry, so "the catalog is as it was" is checked against something.
  expect((await uploadZip(store, pluginZip('kept_plugin', '1.0.0'))).status).toBe(201);
});
afterEach(async () => {
  await store?.close();
});

const index = { name: 'index.js', content: 'export async function setup() {}' };

function refused(zip: Buffer, code = 'INVALID_MANIFEST'): Promise<string> {
  return expectRefusal(store, () => uploadZip(store, zip), 422, code);
}

describe('manifest.json the store refuses', () => {
  it('refuses duplicate keys: "name":"a34","name":"notes" must not take another plugin\'s name', async () => {
    const zip = buildRawZip([{ name: 'manifest.json', content: '{"name":"a34","version":"1.0.0","name":"notes"}' }, index]);
    expect(await refused(zip)).toContain("manifest.json: name: duplicate key 'name'");
    const names = (await catalogFile(store))!.plugins.map((p) => p.name);
    expect(names).toEqual(['kept_plugin']);
  });

  it.each([4_000, 6_000, 20_000])('answers a manifest nested %i deep with 422, not a 500', async (depth) => {
    const content = `{"name":"deep_plugin","version":"1.0.0","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    expect(await refused(buildRawZip([{ name: 'manifest.json', content }, index]))).toContain('nested more than 32 levels deep');
  });

  it('refuses a manifest larger than 64 KB', async () => {
    const zip = buildRawZip([{ name: 'manifest.json', content: manifestText('big_plugin', '1.0.0', { x: 'a'.repeat(70_000) }) }, index]);
    expect(await refused(zip)).toContain('larger than 65536 bytes');
  });
});

describe('ui.yaml and page_manifest.yaml the store refuses', () => {
  it('refuses a 1 KB ui.yaml whose 99 aliases would expand to megabytes', async () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 100; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
    const zip = pluginZip('alias_plugin', '1.0.0', {}, [{ name: 'ui.yaml', content: lines.join('\n') }]);
    expect(await refused(zip)).toContain('ui.yaml: YAML aliases (*name) are not allowed');
  });

  it('refuses a deeply nested ui.yaml', async () => {
    const zip = pluginZip('deep_ui', '1.0.0', {}, [{ name: 'ui.yaml', content: `x: ${'['.repeat(6_000)}${']'.repeat(6_000)}` }]);
    expect(await refused(zip)).toContain('ui.yaml: is nested more than 32 levels deep');
  });

  it('refuses a page_manifest.yaml past the bounds, though an otherwise invalid one only costs the page', async () => {
    const deep = pluginZip('deep_page', '1.0.0', {}, [
      { name: 'page_manifest.yaml', content: `page: ${'{a: '.repeat(40)}1${'}'.repeat(40)}` },
    ]);
    expect(await refused(deep)).toContain('page_manifest.yaml: is nested more than 32 levels deep');
    const odd = pluginZip('odd_page', '1.0.0', {}, [{ name: 'page_manifest.yaml', content: 'page: [unclosed' }]);
    expect((await uploadZip(store, odd)).status).toBe(201);
  });
});

describe('archive path depth', () => {
  it('refuses an entry more than 32 folders deep with 422', async () => {
    const deepName = `${'d/'.repeat(480)}f.js`;
    const zip = pluginZip('deep_paths', '1.0.0', {}, [{ name: deepName, content: 'x' }]);
    expect(await refused(zip, 'INVALID_ARCHIVE')).toContain('more than 32 path segments');
  });

  it('accepts 32 segments', async () => {
    const name = `${Array.from({ length: 31 }, (_, i) => `d${i}`).join('/')}/f.js`;
    expect((await uploadZip(store, pluginZip('deep_ok', '1.0.0', {}, [{ name, content: 'x' }]))).status).toBe(201);
  });
});

describe('list answers carry a summary', () => {
  it('lists name, version and capabilities of the manifest and no ui; the entry has both in full', async () => {
    const extra = { capabilities: ['exec.big_meta.run'], tags: ['net'], blob: 'b'.repeat(50_000) };
    const ui = { name: 'ui.yaml', content: `page_title: Big\nnotes: ${'n'.repeat(50_000)}\n` };
    const uploaded = await json(await uploadZip(store, pluginZip('big_meta', '1.0.0', extra, [ui])));
    const listAnswer = await request(`${store.api}/plugins?per_page=200`);
    const text = await listAnswer.text();
    // Two entries whose package metadata alone is over 100 KB: the page stays small.
    expect(text.length).toBeLessThan(2_000);
    const listed = (JSON.parse(text) as { plugins: Record<string, any>[] }).plugins.find((p) => p.name === 'big_meta')!;
    expect(listed.manifest).toEqual({ name: 'big_meta', version: '1.0.0', capabilities: ['exec.big_meta.run'] });
    expect(listed).not.toHaveProperty('ui');
    expect(listed).toMatchObject({ id: uploaded.plugin_id, description: 'A test plugin', author: 'Tests', tags: ['net'] });

    const entry = await json(await request(`${store.api}/plugins/${uploaded.plugin_id}`));
    expect(entry.manifest.blob).toHaveLength(50_000);
    expect(entry.ui.notes).toHaveLength(50_000);
  });
});
