import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Output } from '../src/lib/output.js';
import { main } from '../src/main.js';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const examplesDir = path.join(repoRoot, 'examples/plugins');
const CLI = path.join(repoRoot, 'packages/cli/bin/oko-plugin.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Runs `oko-plugin` in this process, from its TypeScript source, with its own folder, environment
 * and captured output. The environment is only what the test gives, so a developer's OKO_STORE_URL
 * cannot leak in.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out: Output = {
    result: (line) => (stdout += `${line}\n`),
    info: (line) => (stderr += `${line}\n`),
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
  };
  const code = await main(args, { cwd: options.cwd ?? repoRoot, env: { ...options.env }, out });
  return { code, stdout, stderr };
}

/**
 * Runs the real `oko-plugin` (the npm bin file, hence the built dist/cli.js) as its own process: for
 * the tests whose subject is the process (its exit code, what lands on stdout and what on stderr).
 */
export function runCliProcess(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? repoRoot,
      // The CLI falls back to these; a developer's own settings must not leak into the tests.
      env: { ...process.env, OKO_STORE_URL: '', OKO_STORE_API_KEY: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes a plugin folder from a map of relative paths to contents. */
export async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<string> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

export const validPlugin = (name = 'sample_plugin', version = '1.2.3') => ({
  'manifest.json': JSON.stringify({ name, version, description: 'A test plugin', capabilities: [`exec.${name}.run`] }),
  'index.js': `export async function setup(ctx) { ctx.routes.get('/ping', async () => ({ pong: true })); }\nexport async function teardown() {}\n`,
  'ui.yaml': 'has_page: false\n',
});
