import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendProcess } from '../../../test-support/processes.js';
import { EVENTS_PER_SECOND, FLOOD_CEILING_PER_SECOND, LOG_LINES_PER_SECOND } from '../src/plugin-runtime/limits.js';
import { api, eventually, expectErrorAnswer, makeDirs, startBackendProcess, type Dirs } from './helpers.js';

// A plugin that floods the backend's log or event bus, through ctx or by posting on its host's
// port directly, inside a real backend process whose log is read back. Measured by counting lines
// and events: what passes is at most one burst plus the refill over the time the test took, and
// what passed plus what the counted notes say was dropped is exactly what the plugin sent.

let dirs: Dirs;
let backend: BackendProcess;

beforeAll(async () => {
  dirs = await makeDirs(['flood_plugin', 'forged_flood', 'other_plugin']);
  // The first death quarantines (crash-restarts.test.ts covers the restarts), so the plugin stopped for flooding stays in error.
  backend = await startBackendProcess(dirs, { OKO_PLUGIN_QUARANTINE_CRASHES: '1' });
  for (const id of ['flood_plugin', 'forged_flood', 'other_plugin']) {
    expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).status).toBe(200);
  }
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

type LogLine = { plugin?: string; msg?: string; dropped_log_lines?: number; dropped_events?: number };
function logLines(plugin: string): LogLine[] {
  return backend
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    })
    .filter((line) => line.plugin === plugin);
}
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Sends the flood, then waits until passed + dropped accounts for all of it; also the bound on what passed. */
async function flood(prefix: string, kind: 'logs' | 'events', count: number, measure: () => Promise<{ passed: number; dropped: number }>) {
  const started = Date.now();
  expect((await api(backend, 'GET', `/api/v1/plugins/${prefix}/${kind}?n=${count}`)).body).toEqual({ done: true });
  const seen = await eventually(measure, ({ passed, dropped }) => passed + dropped === count);
  const perSecond = kind === 'logs' ? LOG_LINES_PER_SECOND : EVENTS_PER_SECOND;
  // A token bucket passes one burst, then perSecond a second: count, with the time the test took.
  const seconds = (Date.now() - started) / 1000;
  expect(seen.passed).toBeLessThanOrEqual(Math.ceil(perSecond * (1 + seconds)));
  expect(seen.passed).toBeGreaterThan(0);
  return seen;
}

// Posts on the port that get past the host's own limiter are dropped by the backend too, up to a
// ceiling a second (the last test); these floods stay under it.
const FORGED = FLOOD_CEILING_PER_SECOND - 1000;

describe('log floods', () => {
  it.each([
    ['ctx.log', 20_000, 'flood_plugin', 'flood-plugin', /^flood line /],
    ['messages sent on the host channel', FORGED, 'forged_flood', 'forged-flood', /^forged line /],
  ])(
    'writes a bounded share of lines from %s (%i of them) and counts the rest in "dropped N log lines" notes',
    async (_how, count, id, prefix, line) => {
      const measure = async () => {
        const lines = logLines(id);
        return {
          passed: lines.filter((l) => line.test(l.msg ?? '')).length,
          dropped: sum(lines.map((l) => l.dropped_log_lines ?? 0)),
        };
      };
      const seen = await flood(prefix, 'logs', count, measure);
      expect(seen.dropped).toBeGreaterThan(count * 0.75);
      const notes = logLines(id).filter((l) => l.dropped_log_lines !== undefined);
      expect(notes[0]!.msg).toMatch(new RegExp(`^dropped \\d+ log lines of plugin '${id}' \\(over ${LOG_LINES_PER_SECOND} a second\\)$`));
      // one note per period, not one per dropped line
      expect(notes.length).toBeLessThanOrEqual(10);
      expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    },
  );
});

describe('event floods', () => {
  it.each([
    ['ctx.events.emit', 5_000, 'flood_plugin', 'flood-plugin'],
    ['messages sent on the host channel', FORGED, 'forged_flood', 'forged-flood'],
  ])('delivers a bounded share of events from %s (%i of them) and counts the rest in a note', async (_how, count, id, prefix) => {
    const measure = async () => ({
      passed: (await api(backend, 'GET', `/api/v1/plugins/${prefix}/received`)).body.received as number,
      dropped: sum(logLines(id).map((l) => l.dropped_events ?? 0)),
    });
    const seen = await flood(prefix, 'events', count, measure);
    expect(seen.dropped).toBeGreaterThan(count * 0.75);
    const note = logLines(id).find((l) => l.dropped_events !== undefined);
    expect(note!.msg).toMatch(new RegExp(`^dropped \\d+ events emitted by plugin '${id}' \\(over ${EVENTS_PER_SECOND} a second\\)$`));
    // a flood costs the plugin that sends it: the others keep answering
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });
});

describe('a plugin sending a million log messages on its host channel', () => {
  it('is stopped with the reason once the backend has dropped a ceiling of them in a second; the lines written stay bounded', async () => {
    const before = logLines('forged_flood').filter((l) => /^forged line /.test(l.msg ?? '')).length;
    const droppedBefore = sum(logLines('forged_flood').map((l) => l.dropped_log_lines ?? 0));
    const started = Date.now();
    // the call's own answer never comes: the host is ended while it is still posting
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/forged-flood/logs?n=1000000'), 502, 'PLUGIN_ROUTE_FAILED');
    const plugin = await eventually(
      async () => (await api(backend, 'GET', '/api/v1/plugins/forged_flood')).body,
      (p) => p.state === 'error',
    );
    expect(plugin.error.reason).toContain(
      `the plugin host sent more than ${FLOOD_CEILING_PER_SECOND} log lines and events over its rate limits within a second and was stopped`,
    );
    const written = logLines('forged_flood').filter((l) => /^forged line /.test(l.msg ?? '')).length - before;
    expect(written).toBeLessThanOrEqual(Math.ceil(LOG_LINES_PER_SECOND * (1 + (Date.now() - started) / 1000)));
    // what was dropped before the end is still counted
    const dropped = await eventually(
      () => sum(logLines('forged_flood').map((l) => l.dropped_log_lines ?? 0)) - droppedBefore,
      (n) => n > FLOOD_CEILING_PER_SECOND,
    );
    // ended early: a second or two of drops at most, not the million
    expect(dropped).toBeLessThanOrEqual(2 * FLOOD_CEILING_PER_SECOND + 1);
    expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });
});
