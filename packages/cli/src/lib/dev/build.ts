import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { diffSnapshots, snapshotFolder, type Snapshot } from './files.js';

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

/** What one look gets from the build step. */
export type BuildOutcome =
  | { kind: 'ready'; current: Snapshot }
  | { kind: 'failed'; current: Snapshot; lines: string[] }
  /** The last build failed and no source changed since: nothing to build, nothing to send. */
  | { kind: 'still-failed'; current: Snapshot };

/**
 * The build of a plugin with a `build` script, run only when needed: at the first look, and when a
 * path other than a build output changed. The outputs are the paths a build wrote (plus `main`),
 * so a build that writes into the watched folder (tsc to dist/) does not start another one.
 */
export class BuildStep {
  private built = false;
  private failed = false;
  private readonly outputs = new Set<string>();

  constructor(private readonly dir: string) {}

  /** The manifest's entry file is an output even before a build has written it. */
  addOutput(rel: string): void {
    this.outputs.add(rel);
  }

  /** `seen`: the folder at the last look; `current`: now. */
  async run(seen: Snapshot, current: Snapshot): Promise<BuildOutcome> {
    const changes = diffSnapshots(seen, current);
    const sources = [...changes.changed, ...changes.removed].filter((rel) => !this.outputs.has(rel));
    if (this.built && sources.length === 0) {
      // What a failed build wrote anyway (tsc emits despite type errors) is not sent: the next source save builds again.
      return this.failed ? { kind: 'still-failed', current } : { kind: 'ready', current };
    }
    const result = await runBuild(this.dir);
    this.built = true;
    this.failed = !result.ok;
    const after = await snapshotFolder(this.dir, current);
    const written = diffSnapshots(current, after);
    for (const rel of [...written.changed, ...written.removed]) this.outputs.add(rel);
    return result.ok ? { kind: 'ready', current: after } : { kind: 'failed', current: after, lines: result.lines };
  }
}
