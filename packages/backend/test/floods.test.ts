import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendProcess } from '../../../test-support/processes.js';
import { EVENTS_PER_SECOND, LOG_LINES_PER_SECOND } from '../src/plugin-manager/limits.js';
import { api, eventually, makeDirs, startBackendProcess, type Dirs } from './helpers.js';

// A plugin that floods the backend's log or event bus, through ctx or by posting on its host's
// port directly, inside a real backend process whose log is read back. Measured by counting lines
// and events: what passes is at most one burst plus the refill over the time the test took, and
// what passed plus what the counted notes say was dropped is exactly what the plugin sent.

let dirs: Dirs;
let backend: BackendProcess;

beforeAll(async () => {
  dirs = await makeDirs(['flood_plugin', 'forged_flood', 'other_plugin']);
  backend = await startBackendProcess(dirs);
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

describe('log floods', () => {
  it.each([
    ['ctx.log', 'flood_plugin', 'flood-plugin', /^flood line /],
    ['messages posted on the host port', 'forged_flood', 'forged-flood', /^forged line /],
  ])(
    'writes a bounded share of 20,000 lines from %s and counts the rest in "dropped N log lines" notes',
    async (_how, id, prefix, line) => {
      const measure = async () => {
        const lines = logLines(id);
        return {
          passed: lines.filter((l) => line.test(l.msg ?? '')).length,
          dropped: sum(lines.map((l) => l.dropped_log_lines ?? 0)),
        };
      };
      const seen = await flood(prefix, 'logs', 20_000, measure);
      expect(seen.dropped).toBeGreaterThan(15_000);
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
    ['ctx.events.emit', 'flood_plugin', 'flood-plugin'],
    ['messages posted on the host port', 'forged_flood', 'forged-flood'],
  ])('delivers a bounded share of 5,000 events from %s and counts the rest in a note', async (_how, id, prefix) => {
    const measure = async () => ({
      passed: (await api(backend, 'GET', `/api/v1/plugins/${prefix}/received`)).body.received as number,
      dropped: sum(logLines(id).map((l) => l.dropped_events ?? 0)),
    });
    const seen = await flood(prefix, 'events', 5_000, measure);
    expect(seen.dropped).toBeGreaterThan(3_000);
    const note = logLines(id).find((l) => l.dropped_events !== undefined);
    expect(note!.msg).toMatch(new RegExp(`^dropped \\d+ events emitted by plugin '${id}' \\(over ${EVENTS_PER_SECOND} a second\\)$`));
    // a flood costs the plugin that sends it: the others keep answering
    expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  });
});
