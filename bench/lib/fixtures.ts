import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { packPluginDirectory } from '@oko/shared/archive';

export interface PluginSpec {
  name: string;
  description?: string;
  tags?: string[];
  /** Size of static/blob.bin, random bytes (incompressible), in bytes. */
  staticBytes?: number;
}

/** The smallest real plugin: one route, a teardown. */
const INDEX_JS = `export async function setup(ctx) {
  ctx.routes.get('/ping', async () => ({ pong: true }));
}
export async function teardown() {}
`;

/** Writes a valid plugin folder (manifest.json, ui.yaml, index.js, optional static/blob.bin). */
export async function writePluginFolder(dir: string, spec: PluginSpec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest = {
    name: spec.name,
    version: '1.0.0',
    description: spec.description ?? `Benchmark plugin ${spec.name}`,
    author: 'OKO bench',
    license: 'MIT',
    tags: spec.tags ?? ['bench'],
    capabilities: [],
    main: 'index.js',
  };
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(dir, 'ui.yaml'), `api_prefix: ${spec.name.replace(/_/g, '-')}\n`);
  await writeFile(path.join(dir, 'index.js'), INDEX_JS);
  if (spec.staticBytes) await writeRandomFile(path.join(dir, 'static', 'blob.bin'), spec.staticBytes);
}

/** Random bytes written 1 MiB at a time, so a 100 MB file never sits whole in the bench's memory. */
export async function writeRandomFile(file: string, bytes: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; left -= 1024 * 1024) {
    if (!out.write(randomBytes(Math.min(left, 1024 * 1024)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A plugin ZIP as the CLI's `pack` makes it (the shared deterministic packer). */
export async function makePluginZip(workDir: string, zipFile: string, spec: PluginSpec): Promise<{ size: number; sha256: string }> {
  const dir = path.join(workDir, `src-${spec.name}`);
  await writePluginFolder(dir, spec);
  await mkdir(path.dirname(zipFile), { recursive: true });
  try {
    return await packPluginDirectory(dir, zipFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` installed plugins in one plugins folder, as an install would leave them. */
export async function makeInstalledPlugins(pluginsDir: string, count: number, prefix = 'bench'): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}_${String(i).padStart(4, '0')}`);
  await mkdir(pluginsDir, { recursive: true });
  for (const name of names) await writePluginFolder(path.join(pluginsDir, name), { name });
  return names;
}

/** Catalog plugin i: every 10th is about network monitoring, so a search for "monitor" hits 10 %. */
export function catalogSpec(i: number): PluginSpec {
  const name = `catalog_${String(i).padStart(4, '0')}`;
  const monitoring = i % 10 === 0;
  return {
    name,
    description: monitoring ? `Network monitor number ${i}: watches hosts and ports` : `Utility number ${i} for the dashboard`,
    tags: monitoring ? ['network', 'monitoring'] : ['utility', `group${i % 7}`],
  };
}
