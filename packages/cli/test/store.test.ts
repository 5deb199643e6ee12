import { randomBytes } from 'node:crypto';
import { cp } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { examplesDir, runCli, runCliProcess, validPlugin, writeTree } from './helpers.js';

// `oko-plugin publish` and `import-github`, run in-process, against a store built in-process (it
// listens on a free port), a store of its own for each test. The first publish runs the real CLI
// process: its subject is what a script captures (the id alone on stdout, progress on stderr).
const API_KEY = 'test-key-123';
let work: string;
let store: TestStore;
let github: http.Server;
let githubUrl: string;
const githubRequests: string[] = [];

const listen = (server: net.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));

async function catalogNames(): Promise<string[]> {
  const { body } = await getJson<{ plugins: Array<{ name: string; version: string }> }>(`${api(store)}/plugins?per_page=100`);
  return body.plugins.map((p) => `${p.name}@${p.version}`).sort();
}

beforeAll(async () => {
  work = await tempDir('cli-store');
  // Serves zipballs the way GitHub's API does: /repos/{owner}/{repo}/zipball[/{ref}], one top-level folder.
  const repo = {
    'acme-tools-1a2b3c/README.md': '# tools',
    ...Object.fromEntries(
      Object.entries(validPlugin('github_tool', '0.3.0')).map(([name, content]) => [
        `acme-tools-1a2b3c/plugins/github_tool/${name}`,
        content,
      ]),
    ),
  };
  const zipball = await zipFiles(repo);
  github = http.createServer((req, res) => {
    githubRequests.push(req.url ?? '');
    if (req.url === '/repos/acme/tools/zipball/dev') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zipball.length }).end(zipball);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  });
  githubUrl = `http://127.0.0.1:${await listen(github)}`;
});

beforeEach(async () => {
  store = await buildTestStore({
    env: {
      OKO_STORE_API_KEY: API_KEY,
      OKO_STORE_MAX_PLUGIN_SIZE_MB: '1',
      OKO_STORE_GITHUB_API_URL: githubUrl,
      // The fake GitHub is on 127.0.0.1, which the store refuses unless told.
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
    },
  });
});

afterEach(async () => {
  await store?.close();
});

afterAll(async () => {
  github?.close();
  await removeDir(work);
});

describe('oko-plugin publish', () => {
  it('packs a folder, streams it with a progress line and prints the id the store gave it', async () => {
    const dir = path.join(work, 'notes');
    await cp(path.join(examplesDir, 'notes'), dir, { recursive: true });
    // The store's origin alone is enough; the CLI adds /api/v1.
    const run = await runCliProcess(['publish', dir, '--store', store.url, '--api-key', API_KEY]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(run.stdout).toBe(`${id}\n`);
    expect(run.stderr).toMatch(/uploading notes 1\.0\.0: 100% \(/);
    expect(run.stderr).toContain(`as ${id}`);
    const { body } = await getJson<{ name: string; version: string; source: string }>(`${api(store)}/plugins/${id}`);
    expect(body).toMatchObject({ name: 'notes', version: '1.0.0', source: 'zip_upload' });
  });

  it('exits 2 with the store error when the same version is published again', async () => {
    const dir = path.join(work, 'notes-twice');
    await cp(path.join(examplesDir, 'notes'), dir, { recursive: true });
    expect((await runCli(['publish', dir, '--store', api(store), '--api-key', API_KEY])).code).toBe(0);
    const before = await catalogNames();
    const run = await runCli(['publish', dir, '--store', api(store), '--api-key', API_KEY]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('HTTP 409');
    expect(run.stderr).toContain('PLUGIN_ALREADY_EXISTS');
    expect(run.stdout).toBe('');
    expect(await catalogNames()).toEqual(before);
  });

  it('exits 2 when the store wants an API key and none is given', async () => {
    const dir = await writeTree(path.join(work, 'keyless'), validPlugin('keyless_plugin'));
    const run = await runCli(['publish', dir, '--store', api(store)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('HTTP 401');
    expect(await catalogNames()).not.toContain('keyless_plugin@1.2.3');
  });

  it('publishes a ZIP made by pack, with the store and key taken from the environment', async () => {
    const dir = await writeTree(path.join(work, 'zipped'), validPlugin('zipped_plugin', '0.9.0'));
    const zip = path.join(work, 'zipped.zip');
    expect((await runCli(['pack', dir, '-o', zip])).code).toBe(0);
    const run = await runCli(['publish', zip], { env: { OKO_STORE_URL: api(store), OKO_STORE_API_KEY: API_KEY } });
    expect(run.code, run.stderr).toBe(0);
    expect(await catalogNames()).toContain('zipped_plugin@0.9.0');
  });

  it('exits 1 for an invalid plugin and sends nothing', async () => {
    const before = await catalogNames();
    const dir = await writeTree(path.join(work, 'invalid'), { 'manifest.json': JSON.stringify({ name: 'invalid_plugin', version: 'x' }) });
    const run = await runCli(['publish', dir, '--store', api(store), '--api-key', API_KEY]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('manifest.json: version: not a semver version');
    expect(run.stderr).toContain('nothing published');
    expect(await catalogNames()).toEqual(before);
  });

  it('exits 2 with the store 413 when the package is over the store size limit', async () => {
    // Random bytes do not compress: the ZIP stays above the store's 1 MB limit.
    const dir = await writeTree(path.join(work, 'huge'), {
      ...validPlugin('huge_plugin'),
      'static/blob.bin': randomBytes(3 * 1024 * 1024),
    });
    const run = await runCli(['publish', dir, '--store', api(store), '--api-key', API_KEY]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('HTTP 413');
    expect(await catalogNames()).not.toContain('huge_plugin@1.2.3');
  });

  it('exits 2 when the store cannot be reached', async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const dir = await writeTree(path.join(work, 'unreachable'), validPlugin('unreachable_plugin'));
    const run = await runCli(['publish', dir, '--store', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach the store');
    expect(run.stderr).toContain('ECONNREFUSED');
  });
});

describe('oko-plugin import-github', () => {
  it('has the store import a branch and subdirectory of a repository, and prints the id', async () => {
    const run = await runCli([
      'import-github',
      `${githubUrl}/acme/tools`,
      '--branch',
      'dev',
      '--subdirectory',
      'plugins/github_tool',
      '--store',
      api(store),
      '--api-key',
      API_KEY,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const { body } = await getJson<{ name: string; version: string; source: string }>(`${api(store)}/plugins/${id}`);
    expect(body).toMatchObject({ name: 'github_tool', version: '0.3.0', source: 'github' });
    expect(githubRequests).toContain('/repos/acme/tools/zipball/dev');
  });

  it('exits 2 with the store error for a repository that does not exist', async () => {
    const run = await runCli([
      'import-github',
      `${githubUrl}/acme/missing`,
      '--branch',
      'dev',
      '--store',
      api(store),
      '--api-key',
      API_KEY,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/HTTP 404\) GITHUB_NOT_FOUND/);
  });
});
