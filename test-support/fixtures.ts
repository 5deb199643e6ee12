import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yazl from 'yazl';

/** Plugins and folders that tests make for themselves. */

export interface PluginFixture {
  name: string;
  version?: string;
  description?: string;
  author?: string;
  capabilities?: string[];
  /** Extra files beside manifest.json and index.js. */
  files?: Record<string, string | Buffer>;
}

/** The files of a small working plugin: a ping route and, per capability `exec.x.y`, an action `x.y`. */
export function pluginFiles(fixture: PluginFixture): Record<string, string | Buffer> {
  const capabilities = fixture.capabilities ?? [];
  const manifest = {
    name: fixture.name,
    version: fixture.version ?? '1.0.0',
    description: fixture.description ?? `Test plugin ${fixture.name}`,
    author: fixture.author ?? 'Test Author',
    capabilities,
  };
  const actions = capabilities
    .filter((capability) => capability.startsWith('exec.'))
    .map((capability) => `  ctx.actions.register(${JSON.stringify(capability.slice(5))}, async (payload) => ({ done: true, payload }));`)
    .join('\n');
  const index = `export async function setup(ctx) {\n  ctx.routes.get('/ping', async () => ({ pong: true }));\n${actions}\n}\nexport async function teardown() {}\n`;
  return { 'manifest.json': JSON.stringify(manifest, null, 2), 'index.js': index, ...fixture.files };
}

export async function zipFiles(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function pluginZip(fixture: PluginFixture): Promise<Buffer> {
  return zipFiles(pluginFiles(fixture));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Folders tempDir made and nobody has removed yet: removed after each test file (cleanup-setup.ts). */
const madeDirs = new Set<string>();

/**
 * A fresh folder, 0755 rather than mkdtemp's 0700: tests run as root, where plugin processes run
 * as an unprivileged user that must reach the plugin and data folders inside. Removed once the
 * test file is done, whether or not the test removes it.
 */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `oko-${prefix}-`));
  madeDirs.add(dir);
  await chmod(dir, 0o755);
  return dir;
}

/** Removes every folder tempDir made so far (the file's own afterAll hooks, which stop its processes, have run). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...madeDirs];
  madeDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Names in a folder, sorted; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Incompressible but reproducible bytes: a SHA-256 chain from `seed`. */
export function noise(bytes: number, seed = 'oko'): Buffer {
  const out = Buffer.alloc(bytes);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < bytes; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}
