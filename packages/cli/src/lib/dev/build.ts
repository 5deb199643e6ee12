import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A build that has not ended by then is stuck (or is a watch mode, which `dev` must not start). */
const BUILD_TIMEOUT_MS = 120_000;
/** The tail of a failed build's output that is shown: a compiler's first errors fit in it. */
const SHOWN_LINES = 40;

/** The plugin's `build` script from its package.json, or null when it has none (plain JavaScript). */
export async function buildScriptOf(dir: string): Promise<string | null> {
  const text = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const script = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts?.build;
    return typeof script === 'string' && script.trim() !== '' ? script : null;
  } catch {
    return null;
  }
}

export type BuildResult = { ok: true; ms: number } | { ok: false; ms: number; lines: string[] };

/**
 * `npm run build` in the plugin folder, output captured: shown only when it fails, since a
 * compiler's errors (`src/index.ts(12,5): error TS2345: …`) name the file and line the author needs.
 */
export function runBuild(dir: string): Promise<BuildResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', '--silent', 'build'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      // Bounded: a build printing megabytes must not grow the CLI without end.
      output = (output + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\nstopped: the build did not end within ${BUILD_TIMEOUT_MS / 1000} s (is it a watch mode?)`;
      child.kill('SIGKILL');
    }, BUILD_TIMEOUT_MS);
    const done = (code: number | null, failure?: Error) => {
      clearTimeout(timer);
      const ms = Math.round(performance.now() - started);
      if (code === 0 && !failure) return resolve({ ok: true, ms });
      const lines = output
        .split('\n')
        .filter((line) => line.trim() !== '')
        .slice(-SHOWN_LINES);
      lines.push(failure ? `could not run npm: ${failure.message}` : `npm run build exited with code ${code ?? 'none (killed)'}`);
      resolve({ ok: false, ms, lines });
    };
    child.once('error', (error) => done(null, error));
    child.once('close', (code) => done(code));
  });
}
