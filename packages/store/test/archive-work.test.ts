import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOkoError } from '@oko/shared';
import { DEFAULT_ARCHIVE_LIMITS, excludedFromPackage } from '@oko/shared/archive';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../test-support/raw-zip.js';
import { removeDir, sha256, tempDir } from '../../../test-support/fixtures.js';
import { ArchiveWork } from '../src/services/archive-work.js';
import { signatureEntry, signatureOf } from './signed-fixtures.js';

// The worker thread runs the build (a thread cannot load TypeScript on Node 20); `npm test` builds first.
const BUILT = pathToFileURL(fileURLToPath(new URL('../dist/services/archive-work.js', import.meta.url))).href;

let work: string;
let threaded: ArchiveWork;
let inline: ArchiveWork;

beforeAll(async () => {
  work = await tempDir('archive-work');
  const built = (await import(BUILT)) as { ArchiveWork: typeof ArchiveWork };
  threaded = new built.ArchiveWork(1);
  inline = new ArchiveWork(0);
});
afterAll(async () => {
  await threaded.close();
  await removeDir(work);
});

let n = 0;
async function zipOf(entries: RawZipEntry[]): Promise<{ zip: string; dest: string; folder: string }> {
  const folder = path.join(work, String(++n));
  const dest = path.join(folder, 'extracted');
  await mkdir(dest, { recursive: true });
  const zip = path.join(folder, 'plugin.zip');
  await writeFile(zip, buildRawZip(entries));
  return { zip, dest, folder };
}

const PLUGIN: RawZipEntry[] = [
  { name: 'manifest.json', content: manifestText('threaded_plugin', '1.2.3') },
  { name: 'index.js', content: 'export async function setup() {}\n' },
  { name: 'ui.yaml', content: 'has_page: true\n' },
  { name: 'static/app.css', content: 'body { color: red; }\n'.repeat(2000) },
];

describe('ArchiveWork', () => {
  it('runs in a worker thread in the build, inline from the TypeScript source', () => {
    expect(threaded.inWorker).toBe(true);
    expect(inline.inWorker).toBe(false);
  });

  it('extracts and packs in a worker thread to the same files and package bytes as inline', async () => {
    const results = [];
    for (const runner of [threaded, inline]) {
      const { zip, dest, folder } = await zipOf(PLUGIN);
      const plugin = await runner.extract(zip, dest, DEFAULT_ARCHIVE_LIMITS);
      const out = path.join(folder, 'package.zip');
      const sealed = await runner.seal(plugin.pluginDir, out, plugin.manifest);
      expect(sealed.pkg.sha256).toBe(sha256(await readFile(out)));
      results.push({ plugin: { ...plugin, pluginDir: path.relative(folder, plugin.pluginDir) }, sealed });
    }
    expect(results[0]!.plugin.manifest.name).toBe('threaded_plugin');
    expect(results[0]!.plugin.ui).toEqual({ has_page: true });
    expect(results[0]).toEqual(results[1]);
  });

  it('turns a refusal made in the thread back into an OkoError with its code and status', async () => {
    const { zip, dest } = await zipOf([...PLUGIN, { name: '../escape.js', content: 'x' }]);
    const error = await threaded.extract(zip, dest, DEFAULT_ARCHIVE_LIMITS).catch((e: unknown) => e);
    expect(isOkoError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_ARCHIVE', statusCode: 422 });
  });

  it('keeps the limits in the thread: too many entries is refused', async () => {
    const { zip, dest } = await zipOf(PLUGIN);
    const error = await threaded.extract(zip, dest, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARCHIVE', message: expect.stringMatching(/entries/) });
  });

  it('checks a signature in the thread, and a mismatch keeps its details', async () => {
    const signed = [...PLUGIN, signatureEntry(signatureOf(PLUGIN))];
    const good = await zipOf(signed);
    const plugin = await threaded.extract(good.zip, good.dest, DEFAULT_ARCHIVE_LIMITS);
    const sealed = await threaded.seal(plugin.pluginDir, path.join(good.folder, 'package.zip'), plugin.manifest);
    expect(sealed.signature).toMatchObject({ signer: 'Store Tests' });

    const tampered = await zipOf([...PLUGIN.slice(0, 3), { name: 'static/app.css', content: 'changed' }, signed.at(-1)!]);
    const extracted = await threaded.extract(tampered.zip, tampered.dest, DEFAULT_ARCHIVE_LIMITS);
    const error = await threaded
      .seal(extracted.pluginDir, path.join(tampered.folder, 'package.zip'), extracted.manifest)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', details: { files: ['static/app.css'] } });
  });

  it("applies `oko-plugin pack`'s exclude rule in the thread, and any other rule inline", async () => {
    const { zip, dest, folder } = await zipOf([...PLUGIN, { name: 'node_modules/x/index.js', content: 'x' }]);
    const plugin = await threaded.extract(zip, dest, DEFAULT_ARCHIVE_LIMITS);
    const all = await threaded.seal(plugin.pluginDir, path.join(folder, 'all.zip'), plugin.manifest);
    const packRule = await threaded.seal(plugin.pluginDir, path.join(folder, 'rule.zip'), plugin.manifest, excludedFromPackage);
    const custom = await threaded.seal(plugin.pluginDir, path.join(folder, 'custom.zip'), plugin.manifest, (p) => p === 'static');
    expect(packRule.pkg.size).toBeLessThan(all.pkg.size);
    expect(custom.pkg.size).toBeLessThan(all.pkg.size);
    expect(new Set([all.pkg.sha256, packRule.pkg.sha256, custom.pkg.sha256]).size).toBe(3);
  });
});
