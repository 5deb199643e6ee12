/**
 * How long and how often each scenario runs. BENCH_QUICK=1 is a smoke pass (a minute or so) that
 * checks the harness end to end; its figures are noisy. BENCH_ONLY=catalog,upload runs a subset.
 */
export interface BenchSettings {
  quick: boolean;
  /** Scenario names to run; empty = all. */
  only: string[];
  /** Seconds of measured load per autocannon run. */
  loadSeconds: number;
  /** Seconds of unmeasured load before each measured run. */
  warmupSeconds: number;
  connections: number;
  /** Plugins in the store catalog for the list/search scenarios. */
  catalogSize: number;
  /** Size of the big upload, in MiB. */
  bigUploadMb: number;
  /** Repetitions of timed single operations (install, load/unload, startup). */
  installReps: number;
  lifecycleReps: number;
  startupReps: number;
  /** Saves timed by the dev-reload scenario. */
  devReloadReps: number;
  /** Plugins active at once for the RSS-per-plugin figure. */
  activePlugins: number;
  /** Installed plugins for the startup scenario. */
  startupPlugins: number;
  /** Keep the temporary folder (services' logs, storage) after the run. */
  keep: boolean;
}

const flag = (value: string | undefined) => ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase());

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = flag(env.BENCH_QUICK);
  const only = (env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    quick,
    only,
    loadSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 1 : 2,
    connections: 10,
    // The quick pass keeps the real sizes where they are the point of the scenario.
    catalogSize: quick ? 200 : 1000,
    bigUploadMb: 100,
    installReps: quick ? 1 : 5,
    lifecycleReps: quick ? 3 : 20,
    startupReps: quick ? 1 : 3,
    devReloadReps: quick ? 5 : 20,
    activePlugins: quick ? 10 : 50,
    startupPlugins: 200,
    keep: flag(env.BENCH_KEEP),
  };
}
