// The sandbox scenario's measurements, in a process of its own so its memory is its own: the
// backend's PluginManager (the build in packages/backend/dist) on a folder of minimal plugins,
// each run in its sandboxed child process exactly as the backend runs it, beside its baseline, an
// empty Node child with an IPC channel (lib/empty-child.ts). Load and unload are timed at the
// manager, without HTTP, interleaved with the empty child's start and stop so that the shared
// machine's load falls on both alike. Memory is PSS and USS, read by pid: each plugin's through
// the manager's active records (host.pid).
// argv: pluginsDir dataDir reps count. Prints one JSON line.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { startEmptyChild, stopEmptyChild } from '../lib/empty-child.js';
import { ROOT } from '../lib/oko.js';
import { procShare, type ProcShare } from '../lib/proc.js';

/** What this script uses of the manager, so the bench does not compile against backend sources. */
interface ManagerLike {
  init(): Promise<void>;
  load(id: string): Promise<unknown>;
  unload(id: string): Promise<unknown>;
  activeRecords(): Array<{ scan: { id: string }; host?: { pid?: number } }>;
  shutdown(): Promise<void>;
}
type ManagerModule = { PluginManager: new (config: unknown, log: unknown) => ManagerLike };
type ConfigModule = { loadConfig: (env: Record<string, string>) => unknown };

const [pluginsDir = '', dataDir = '', repsArg = '10', countArg = '10'] = process.argv.slice(2);
const reps = Number(repsArg);
const count = Number(countArg);
const dist = (file: string) => pathToFileURL(path.join(ROOT, 'packages/backend/dist', file)).href;
const { PluginManager } = (await import(dist('plugin-manager/plugin-manager.js'))) as ManagerModule;
const { loadConfig } = (await import(dist('config.js'))) as ConfigModule;

// Warnings and errors (a plugin that fails to load) go to stderr, where the bench shows them.
const say = (level: string) => (obj: unknown, msg?: string) => process.stderr.write(`[sandbox ${level}] ${msg ?? JSON.stringify(obj)}\n`);
const quiet = () => {};
const log: Record<string, unknown> = {
  level: 'warn',
  fatal: say('fatal'),
  error: say('error'),
  warn: say('warn'),
  info: quiet,
  debug: quiet,
  trace: quiet,
};
log.child = () => log;

const config = loadConfig({ OKO_PLUGINS_DIR: pluginsDir, OKO_DATA_DIR: dataDir, OKO_BUILTIN_PLUGINS_DIR: '', OKO_LOG_LEVEL: 'warn' });
const manager = new PluginManager(config, log);
await manager.init();
const ids = (await readdir(pluginsDir)).filter((name) => !name.startsWith('.')).sort();
if (ids.length < count) throw new Error(`need ${count} plugins in ${pluginsDir}, found ${ids.length}`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mean = (values: number[]) => (values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null);
const known = (shares: Array<ProcShare | null>) => shares.filter((share): share is ProcShare => share !== null);
/** Several alive at once, after the same settling time on both sides. */
const SETTLE_MS = 1000;

try {
  // Memory: `count` plugins active at once, then `count` empty children alive at once.
  const managerBefore = procShare(process.pid);
  for (const id of ids.slice(0, count)) await manager.load(id);
  await sleep(SETTLE_MS);
  // A host without a pid (a runtime that is no process of its own) has no memory of its own to read.
  const plugins = known(manager.activeRecords().map((record) => (record.host?.pid ? procShare(record.host.pid) : null)));
  const managerAfter = procShare(process.pid);
  for (const id of ids.slice(0, count)) await manager.unload(id);
  const children = [];
  for (let i = 0; i < count; i++) children.push(await startEmptyChild());
  await sleep(SETTLE_MS);
  const empties = known(children.map((child) => procShare(child.pid!)));
  await Promise.all(children.map(stopEmptyChild));

  // Time: one plugin loaded and unloaded, one empty child started and stopped, in turns.
  const one = ids[0]!;
  await manager.load(one); // warm-up: the first launch reads what later ones find cached
  await manager.unload(one);
  await stopEmptyChild(await startEmptyChild());
  const time = { load: [] as number[], unload: [] as number[], start: [] as number[], stop: [] as number[] };
  const timed = async (into: number[], fn: () => Promise<unknown>) => {
    const t = performance.now();
    const value = await fn();
    into.push(performance.now() - t);
    return value;
  };
  for (let i = 0; i < reps; i++) {
    const pluginTurn = async () => (await timed(time.load, () => manager.load(one)), await timed(time.unload, () => manager.unload(one)));
    const emptyTurn = async () => {
      const child = (await timed(time.start, startEmptyChild)) as Awaited<ReturnType<typeof startEmptyChild>>;
      await timed(time.stop, () => stopEmptyChild(child));
    };
    // Alternating who goes first, so neither always runs right after the other's cleanup.
    if (i % 2 === 0) await pluginTurn().then(emptyTurn);
    else await emptyTurn().then(pluginTurn);
  }
  console.log(
    JSON.stringify({
      plugin: {
        loadMs: median(time.load),
        unloadMs: median(time.unload),
        processes: plugins.length,
        pssMb: mean(plugins.map((s) => s.pssMb)),
        ussMb: mean(plugins.map((s) => s.ussMb)),
        managerPssBeforeMb: managerBefore?.pssMb ?? null,
        managerPssAfterMb: managerAfter?.pssMb ?? null,
      },
      empty: {
        startMs: median(time.start),
        stopMs: median(time.stop),
        processes: empties.length,
        pssMb: mean(empties.map((s) => s.pssMb)),
        ussMb: mean(empties.map((s) => s.ussMb)),
      },
      samplesMs: time,
    }),
  );
} finally {
  await manager.shutdown();
}
