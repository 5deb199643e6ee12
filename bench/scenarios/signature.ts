import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateKeyPair, hashFiles, listPackageFiles, signPlugin } from '@oko/shared/archive';
import { progress, type BenchContext } from '../lib/context.js';
import { ROOT } from '../lib/oko.js';
import { median, round } from '../lib/stats.js';

/** Packaged files, the signature included: manifest.json, index.js and lib/. */
const FILES = 500;
const TOTAL_BYTES = 5 * 1024 * 1024;
const run = promisify(execFile);

/** What the bench needs of the backend's trust module (packages/backend/src/trust), loaded from its build. */
interface TrustModules {
  judgeFiles: (
    dir: string,
    manifest: { name: string; version: string },
    record: { version: string; recorded_at: string; files: Record<string, string> } | undefined,
    keys: unknown,
  ) => Promise<{ signature: { state: string } }>;
  TrustedKeys: new (dataDir: string, folder: string | null, log: unknown) => { init(): Promise<void> };
}

/**
 * The check every load runs before a plugin's process starts (the backend's own judgeFiles: list
 * the folder, hash every file, compare with the install record and the signature, verify the
 * Ed25519 signature with the trusted key), on a signed plugin of 500 files and 5 MB. Baseline:
 * `sha256sum` (coreutils) hashing the same files, process start included, in the same run.
 */
export async function signatureScenario(ctx: BenchContext): Promise<void> {
  const dir = path.join(ctx.dir, 'signed-500');
  await mkdir(path.join(dir, 'lib'), { recursive: true });
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ name: 'bench_signed', version: '1.0.0', description: 'bench', capabilities: [] }),
  );
  await writeFile(path.join(dir, 'index.js'), 'export async function setup() {}\n');
  for (let i = 0; i < FILES - 3; i++) await writeFile(path.join(dir, 'lib', `m${i}.js`), randomBytes(Math.floor(TOTAL_BYTES / FILES)));
  const key = generateKeyPair();
  await signPlugin(dir, { privateKeyPem: key.privateKeyPem, signer: 'bench' });
  const keyDir = path.join(ctx.dir, 'signature-keys');
  await mkdir(keyDir, { recursive: true });
  await writeFile(path.join(keyDir, 'bench.pem'), key.publicKeyPem);

  const trust = (await import(pathToFileURL(path.join(ROOT, 'packages/backend/dist/trust/judge-files.js')).href)) as Pick<
    TrustModules,
    'judgeFiles'
  >;
  const { TrustedKeys } = (await import(pathToFileURL(path.join(ROOT, 'packages/backend/dist/trust/trusted-keys.js')).href)) as Pick<
    TrustModules,
    'TrustedKeys'
  >;
  const quiet = { error: () => {}, warn: () => {}, info: () => {} };
  const keys = new TrustedKeys(path.join(ctx.dir, 'signature-data'), keyDir, quiet);
  await keys.init();
  const all = await listPackageFiles(dir);
  const record = { version: '1.0.0', recorded_at: new Date().toISOString(), files: await hashFiles(dir, all) };
  const manifest = { name: 'bench_signed', version: '1.0.0' };

  const reps = ctx.settings.quick ? 5 : 30;
  const ours: number[] = [];
  const theirs: number[] = [];
  progress(`signature check of ${all.length} files (${(TOTAL_BYTES / 1024 / 1024).toFixed(0)} MB), ${reps} times, against sha256sum`);
  // One unmeasured pass each: both then read from the page cache, as a load right after install does.
  await trust.judgeFiles(dir, manifest, record, keys);
  await run('sha256sum', all, { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    const { signature } = await trust.judgeFiles(dir, manifest, record, keys);
    ours.push(performance.now() - t);
    if (signature.state !== 'valid') throw new Error(`the bench plugin should be valid, got ${signature.state}`);
    t = performance.now();
    await run('sha256sum', all, { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    theirs.push(performance.now() - t);
  }
  ctx.info.signature = {
    files: all.length,
    bytes: TOTAL_BYTES,
    oursMs: ours.map((ms) => round(ms)),
    sha256sumMs: theirs.map((ms) => round(ms)),
  };
  ctx.rows.push({
    scenario: `signature check at load, ${all.length} files, 5 MB`,
    figure: 'record + signature check (median)',
    unit: 'ms',
    better: 'lower',
    value: median(ours),
    baseline: { label: 'sha256sum of the same files', value: median(theirs) },
    note: `aim < 50 ms; ${reps} runs, warm page cache; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores at the end`,
  });
}
