// `npm run bench`: starts the real services on free ports, runs each scenario with its baseline
// measured in the same run, prints a table and writes bench/results/latest.json. Never part of
// `npm test`. BENCH_QUICK=1 for a smoke pass, BENCH_ONLY=name,name for a subset, BENCH_KEEP=1 to
// keep the temporary folder (services' logs and storage).
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { progress, type BenchContext } from './lib/context.js';
import { ROOT } from './lib/oko.js';
import { formatTable, machine, writeResults } from './lib/report.js';
import { readSettings } from './lib/settings.js';
import { backendListScenario } from './scenarios/backend-list.js';
import { catalogScenario } from './scenarios/catalog.js';
import { contentionScenario } from './scenarios/contention.js';
import { devReloadScenario } from './scenarios/dev-reload.js';
import { installScenario } from './scenarios/install.js';
import { lifecycleScenario } from './scenarios/lifecycle.js';
import { replicasScenario } from './scenarios/replicas.js';
import { sandboxScenario } from './scenarios/sandbox.js';
import { signatureScenario } from './scenarios/signature.js';
import { startupScenario } from './scenarios/startup.js';
import { uploadScenario } from './scenarios/upload.js';
import { uploadReadersScenario } from './scenarios/upload-readers.js';

const SCENARIOS: Array<[string, (ctx: BenchContext) => Promise<void>]> = [
  ['catalog', catalogScenario],
  ['backend-list', backendListScenario],
  ['upload', uploadScenario],
  ['install', installScenario],
  ['lifecycle', lifecycleScenario],
  ['sandbox', sandboxScenario],
  ['startup', startupScenario],
  ['contention', contentionScenario],
  ['upload-readers', uploadReadersScenario],
  ['replicas', replicasScenario],
  ['signature', signatureScenario],
  ['dev-reload', devReloadScenario],
];

const RESULTS = path.join(ROOT, 'bench', 'results', 'latest.json');

async function main(): Promise<number> {
  const settings = readSettings();
  const unknown = settings.only.filter((name) => !SCENARIOS.some(([n]) => n === name));
  if (unknown.length > 0) {
    console.error(`BENCH_ONLY: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map(([n]) => n).join(', ')}`);
    return 2;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oko-bench-'));
  // Run as root, the backend starts plugin processes as an unprivileged user, who must reach the
  // plugin and data folders inside; mkdtemp's 0700 would keep it out.
  await chmod(dir, 0o755);
  const ctx: BenchContext = { settings, dir, logDir: path.join(dir, 'logs'), rows: [], skipped: [], info: {}, services: [] };
  await mkdir(ctx.logDir);
  const m = machine();
  progress(
    `${settings.quick ? 'QUICK pass (figures are noisy)' : 'full run'}; ${m.cpus} cores, ${m.memoryGb} GB, Node ${m.node}; work folder ${dir}`,
  );
  const started = performance.now();
  const failed: string[] = [];
  try {
    for (const [name, scenario] of SCENARIOS) {
      if (settings.only.length > 0 && !settings.only.includes(name)) continue;
      const t = performance.now();
      progress(`── ${name}`);
      try {
        await scenario(ctx);
      } catch (error) {
        // One broken scenario must not cost the figures of the others.
        failed.push(name);
        ctx.skipped.push(`${name}: failed: ${(error as Error).message.split('\n')[0]}`);
        console.error(`[bench] scenario ${name} failed:`, error);
      }
      progress(`${name} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    await Promise.all(ctx.services.map((service) => service.stop()));
    if (settings.keep) progress(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nOKO bench${settings.quick ? ' (BENCH_QUICK: smoke pass, noisy figures)' : ''}: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB RAM, Node ${m.node}\n`,
  );
  console.log(formatTable(ctx.rows));
  const notes = ctx.rows.filter((row) => row.note).map((row) => `  ${row.scenario}: ${row.note}`);
  if (notes.length > 0) console.log(`\nnotes:\n${notes.join('\n')}`);
  if (ctx.skipped.length > 0) console.log(`\nskipped:\n${ctx.skipped.map((s) => `  ${s}`).join('\n')}`);
  await writeResults(RESULTS, { settings, rows: ctx.rows, skipped: ctx.skipped, info: ctx.info, seconds: Math.round(seconds) });
  console.log(
    `\nratio = figure ÷ baseline. ${ctx.rows.length} figures in ${seconds.toFixed(0)} s; written to ${path.relative(process.cwd(), RESULTS)}`,
  );
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
