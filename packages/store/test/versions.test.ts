import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

let store: TestStore;

beforeAll(async () => {
  store = await buildTestStore();
});
afterAll(async () => {
  await store?.close();
});

const changelog = `# Changelog

## [Unreleased]

## [1.10.0] - 2026-01-02
### Added
- retries

## v1.9.0
- faster

## 1.9.0-beta.1
- beta only
`;

async function publish(
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
  files: { name: string; content: string }[] = [],
) {
  const response = await uploadZip(store, pluginZip(name, version, extra, files));
  if (response.status !== 201) throw new Error(`publish ${name} ${version}: ${response.status} ${await response.text()}`);
  return (await json(response)).plugin_id as string;
}

const list = async (query = '') => json(await request(`${store.api}/plugins${query}`));

describe('one entry per plugin name', () => {
  it('lists the newest version (semver order) with versions_count, and every version with all_versions=true', async () => {
    await publish('history_probe', '1.9.0', { tags: ['old-tag'] });
    await publish('history_probe', '1.10.0', { tags: ['net'] });
    await publish('history_probe', '1.9.0-beta.1');
    await publish('single_probe', '0.1.0', { tags: ['net'] });

    const grouped = await list('?q=probe');
    expect(grouped.total).toBe(2);
    expect(grouped.plugins.map((p: any) => [p.name, p.version, p.versions_count])).toEqual([
      ['history_probe', '1.10.0', 3],
      ['single_probe', '0.1.0', 1],
    ]);
    const every = await list('?q=probe&all_versions=true');
    expect(every.total).toBe(4);
    expect(every.plugins.map((p: any) => p.version)).toEqual(['1.10.0', '1.9.0', '1.9.0-beta.1', '0.1.0']);
    expect(every.plugins.some((p: any) => 'versions_count' in p)).toBe(false);
    // Filters look at the newest version only: 1.9.0's tag no longer lists the plugin.
    expect((await list('?tag=old-tag')).total).toBe(0);
    expect((await list('?tag=old-tag&all_versions=true')).total).toBe(1);
    expect((await list('?tag=net')).plugins.map((p: any) => p.name)).toEqual(['history_probe', 'single_probe']);
    // Paging counts names.
    expect((await list('?q=probe&per_page=1&page=2')).plugins.map((p: any) => p.name)).toEqual(['single_probe']);
  });
});

describe('a name with prereleases', () => {
  it('stands for its highest release (card, entry, download by name), a prerelease only when it has no release', async () => {
    const release = await publish('pre_probe', '1.0.0');
    const beta = await publish('pre_probe', '2.0.0-beta.1');
    const grouped = await list('?q=pre_probe');
    expect(grouped.plugins.map((p: any) => [p.id, p.version, p.versions_count])).toEqual([[release, '1.0.0', 2]]);
    expect((await json(await request(`${store.api}/plugins/pre_probe`))).id).toBe(release);
    const download = await request(`${store.api}/plugins/pre_probe/download`);
    expect(download.headers.get('content-disposition')).toContain('pre_probe-1.0.0.zip');
    // The history and all_versions still list it, newest first, and its id names it.
    const { versions } = await json(await request(`${store.api}/plugins/pre_probe/versions`));
    expect(versions.map((v: any) => v.id)).toEqual([beta, release]);
    expect((await list('?q=pre_probe&all_versions=true')).total).toBe(2);
    expect((await json(await request(`${store.api}/plugins/${beta}`))).version).toBe('2.0.0-beta.1');

    await publish('alpha_only_probe', '0.1.0-alpha.1');
    const alpha = await publish('alpha_only_probe', '0.1.0-alpha.2');
    expect((await list('?q=alpha_only_probe')).plugins.map((p: any) => p.id)).toEqual([alpha]);
    expect((await json(await request(`${store.api}/plugins/alpha_only_probe`))).id).toBe(alpha);
  });
});

describe('GET /plugins/{name}/versions', () => {
  it('lists every version newest first, with its changelog section, permissions, engines and dependencies', async () => {
    const files = [{ name: 'CHANGELOG.md', content: changelog.replace(/\n/g, '\r\n') }];
    const v1 = await publish('changelog_probe', '1.9.0', { permissions: { network: ['example.com:443'] } }, files);
    const beta = await publish('changelog_probe', '1.9.0-beta.1', {}, files);
    const v2 = await publish(
      'changelog_probe',
      '1.10.0',
      { engines: { oko: '>=1.0.0 <2' }, dependencies: { history_probe: '^1.9.0' } },
      files,
    );
    const answer = await json(await request(`${store.api}/plugins/changelog_probe/versions`));
    expect(answer.name).toBe('changelog_probe');
    expect(answer.versions.map((v: any) => [v.id, v.version])).toEqual([
      [v2, '1.10.0'],
      [v1, '1.9.0'],
      [beta, '1.9.0-beta.1'],
    ]);
    const [newest, middle, oldest] = answer.versions;
    expect(newest).toMatchObject({ changelog: '### Added\n- retries', engines: '>=1.0.0 <2', dependencies: { history_probe: '^1.9.0' } });
    expect(middle).toMatchObject({ changelog: '- faster', engines: null, dependencies: {} });
    expect(middle.permissions.network).toEqual(['example.com:443']);
    expect(oldest.changelog).toBe('- beta only');
    const entry = await json(await request(`${store.api}/plugins/${v1}`));
    expect(newest).not.toHaveProperty('manifest');
    expect(middle).toMatchObject({ size: entry.size, sha256: entry.sha256, created_at: entry.created_at });
    // The record keeps the section (found once at publish time); the entry itself does not carry it.
    expect(entry).not.toHaveProperty('changelog');
  });

  it('has a null changelog without CHANGELOG.md or without a section for the version', async () => {
    await publish('plain_probe', '1.0.0');
    await publish('plain_probe', '1.1.0', {}, [{ name: 'changelog.md', content: '## 1.0.0\n- only the old one' }]);
    const { versions } = await json(await request(`${store.api}/plugins/plain_probe/versions`));
    expect(versions.map((v: any) => v.changelog)).toEqual([null, null]);
  });

  it('answers 404 for an unknown name and 400 for a catalog id or anything that is no plugin name', async () => {
    const id = await publish('id_probe', '1.0.0');
    const unknown = await expectErrorAnswer(await request(`${store.api}/plugins/no_such_plugin/versions`), 404, 'PLUGIN_NOT_FOUND');
    expect(unknown).toContain('no_such_plugin');
    const byId = await expectErrorAnswer(await request(`${store.api}/plugins/${id}/versions`), 400, 'VALIDATION_FAILED');
    expect(byId).toMatch(/catalog id/);
    await expectErrorAnswer(await request(`${store.api}/plugins/deadbeef0042/versions`), 400, 'VALIDATION_FAILED');
    for (const bad of ['Id_Probe', '9probe', 'a', 'x'.repeat(65), 'has-dash', 'a.b', '%20probe']) {
      await expectErrorAnswer(await request(`${store.api}/plugins/${bad}/versions`), 400, 'VALIDATION_FAILED');
    }
  });
});

describe('GET /plugins/{id}/readme', () => {
  it('serves README.md (any case) as sandboxed text/markdown, by id or by name (the newest version)', async () => {
    const old = await publish('readme_probe', '1.0.0', {}, [{ name: 'readme.MD', content: '# Old\n<script>alert(1)</script>\n' }]);
    await publish('readme_probe', '1.1.0', {}, [{ name: 'README.md', content: '# Readme probe\n\nNew text.\n' }]);
    const response = await request(`${store.api}/plugins/readme_probe/readme`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe('sandbox');
    expect(await response.text()).toBe('# Readme probe\n\nNew text.\n');
    expect(await (await request(`${store.api}/plugins/${old}/readme`)).text()).toBe('# Old\n<script>alert(1)</script>\n');
    expect((await json(await request(`${store.api}/plugins/readme_probe`))).has_readme).toBe(true);
  });

  it('answers 404 NOT_FOUND when the package has no README.md, and has_readme is false', async () => {
    const id = await publish('no_readme_probe', '1.0.0', {}, [{ name: 'docs/README.md', content: '# not at the root' }]);
    const message = await expectErrorAnswer(await request(`${store.api}/plugins/${id}/readme`), 404, 'NOT_FOUND');
    expect(message).toMatch(/no_readme_probe.*no README\.md/);
    expect((await json(await request(`${store.api}/plugins/${id}`))).has_readme).toBe(false);
    await expectErrorAnswer(await request(`${store.api}/plugins/no_such_plugin/readme`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('serves at most 256 KiB of a bigger README, cut on a line boundary with a note', async () => {
    const line = 'A long line of README text that repeats. ü\n';
    const content = line.repeat(Math.ceil((300 * 1024) / line.length));
    await publish('big_readme_probe', '1.0.0', {}, [{ name: 'README.md', content }]);
    const response = await request(`${store.api}/plugins/big_readme_probe/readme`);
    expect(response.headers.get('x-oko-readme-cut')).toBe('true');
    const text = await response.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(256 * 1024);
    const [head, note] = text.split('\n\n---\n');
    expect(note).toMatch(/longer than 256 KiB/);
    expect(`${head}\n`.split(line).every((rest) => rest === '')).toBe(true);
  });
});

describe('records published before the history fields', () => {
  it('reads changelog and has_readme from the stored plugin folder once, and null when the folder is gone', async () => {
    const files = [
      { name: 'CHANGELOG.md', content: changelog },
      { name: 'README.md', content: '# legacy' },
    ];
    const storage = await mkdtemp(path.join(tmpdir(), 'oko-store-legacy-'));
    await store.close();
    store = await buildTestStore({ storageDir: storage });
    const legacy = await publish('legacy_probe', '1.10.0', {}, files);
    const gone = await publish('legacy_probe', '1.9.0', {}, files);
    await store.close();
    const catalogPath = path.join(storage, 'plugins.json');
    const file = JSON.parse(await readFile(catalogPath, 'utf8'));
    for (const record of file.plugins) {
      delete record.changelog;
      delete record.has_readme;
    }
    await writeFile(catalogPath, JSON.stringify(file));
    const goneDir = file.plugins.find((r: any) => r.id === gone).storage.dir;
    await rm(path.join(storage, 'uploads', goneDir, 'extracted'), { recursive: true });
    store = await buildTestStore({ storageDir: storage });

    const { versions } = await json(await request(`${store.api}/plugins/legacy_probe/versions`));
    expect(versions.map((v: any) => [v.id, v.changelog])).toEqual([
      [legacy, '### Added\n- retries'],
      [gone, null],
    ]);
    expect((await json(await request(`${store.api}/plugins/${legacy}`))).has_readme).toBe(true);
    expect((await json(await request(`${store.api}/plugins/${gone}`))).has_readme).toBe(false);
    await store.close();
    await rm(storage, { recursive: true, force: true });
    store = await buildTestStore();
  });
});
