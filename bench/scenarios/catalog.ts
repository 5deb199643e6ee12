import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogStore, progress, type BenchContext } from '../lib/context.js';
import { measureInTurns, measureThroughput, type LoadFigures, type TurnFigures } from '../lib/load.js';
import { CHILD_DIR } from '../lib/oko.js';
import { startService, type Service } from '../lib/services.js';

export const LIST_PATH = '/api/v1/plugins?page=1&per_page=50';
export const SEARCH_PATH = '/api/v1/plugins?q=monitor&page=1&per_page=50';

/**
 * Store catalog list (one page of 50) and search, with the big catalog, against a bare Fastify
 * route (same Fastify, same logger) that answers the very bytes the store answered, the two
 * measured in turns (measureInTurns).
 */
export async function catalogScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const routes: Record<string, string> = {};
  for (const [name, route] of [
    ['list', LIST_PATH],
    ['search', SEARCH_PATH],
  ] as const) {
    const body = Buffer.from(await (await fetch(store.url + route)).arrayBuffer());
    const file = path.join(ctx.dir, `bare-${name}.json`);
    await writeFile(file, body);
    routes[`/${name}`] = file;
    ctx.info[`${name}BodyBytes`] = body.length;
  }
  const bare = await startBare(ctx, routes, 'info');
  const bareQuiet = await startBare(ctx, routes, 'off');
  try {
    for (const [name, route] of [
      ['list', LIST_PATH],
      ['search', SEARCH_PATH],
    ] as const) {
      const what =
        name === 'list'
          ? `catalog list, ${ctx.settings.catalogSize} plugins, page of 50`
          : `catalog search "monitor" (${ctx.settings.catalogSize / 10} hits), page of 50`;
      progress(`load: store ${name} and bare Fastify ${name}, in turns`);
      const { real, base, ratios } = await measureInTurns(
        { url: store.url + route, pid: store.pid },
        { url: `${bare.url}/${name}`, pid: bare.pid },
        ctx.settings,
      );
      ctx.info[`${name}RatiosByRound`] = ratios.map((ratio) => Math.round(ratio * 100) / 100);
      progress(`load: bare Fastify ${name}, logger off`);
      const quiet = await measureThroughput(`${bareQuiet.url}/${name}`, ctx.settings);
      ctx.info[`${name}BareLoggerOff`] = quiet;
      pushLoadRows(
        ctx,
        what,
        real,
        base,
        'bare Fastify route, same bytes',
        `the round with the median ratio of ${ratios.length} in turns (${ratios.map((r) => r.toFixed(2)).join(', ')}); bare Fastify without request logging: ${Math.round(quiet.reqPerSec)} req/s`,
      );
      pushCpuRow(ctx, what, real, base);
    }
  } finally {
    await bare.stop();
    await bareQuiet.stop();
  }
}

async function startBare(ctx: BenchContext, routes: Record<string, string>, logger: 'info' | 'off'): Promise<Service> {
  // With the event-loop-delay probe the catalog store runs with (for the contention scenario), so
  // its 1 ms timer is on both sides.
  return startService({
    name: `bare-${logger}`,
    entry: path.join(CHILD_DIR, 'bare-server.js'),
    portEnv: 'BARE_PORT',
    logDir: ctx.logDir,
    env: { BARE_ROUTES: JSON.stringify(routes), BARE_LOGGER: logger, BENCH_ELD_FILE: path.join(ctx.dir, `eld-bare-${logger}.json`) },
    nodeArgs: ['--import', pathToFileURL(path.join(CHILD_DIR, 'eld-probe.js')).href],
  });
}

/** req/s and p99 of a closed-loop load, each against the baseline's. */
export function pushLoadRows(
  ctx: BenchContext,
  scenario: string,
  real: LoadFigures,
  base: LoadFigures,
  label: string,
  note?: string,
): void {
  ctx.rows.push(
    {
      scenario,
      figure: 'throughput',
      unit: 'req/s',
      better: 'higher',
      value: real.reqPerSec,
      baseline: { label, value: base.reqPerSec },
      ...(note ? { note } : {}),
    },
    { scenario, figure: 'p99 latency', unit: 'ms', better: 'lower', value: real.p99Ms, baseline: { label, value: base.p99Ms } },
  );
}

/**
 * Answers per second of server CPU (all rounds of measureInTurns): what each server could answer
 * with a core to itself. Unlike req/s, it hardly moves with the other work on a shared machine.
 */
function pushCpuRow(ctx: BenchContext, scenario: string, real: TurnFigures, base: TurnFigures): void {
  if (real.cpuUsPerRequest === null || base.cpuUsPerRequest === null) return;
  ctx.rows.push({
    scenario,
    figure: 'answers per server CPU-second',
    unit: 'req/s',
    better: 'higher',
    value: 1e6 / real.cpuUsPerRequest,
    baseline: { label: 'bare Fastify route, same bytes', value: 1e6 / base.cpuUsPerRequest },
    note: `server CPU per answer ${real.cpuUsPerRequest.toFixed(1)} µs vs ${base.cpuUsPerRequest.toFixed(1)} µs, all rounds`,
  });
}
