import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  eventRecorderPlugin,
  eventually,
  getJson,
  loadPlugin,
  send,
  startBackendWithExamples,
  type ExampleBackend,
} from '../../test-harness.js';

let env: ExampleBackend;
let base: string;

// Each test gets its own backend with host_stats and the event recorder active.
beforeEach(async () => {
  env = await startBackendWithExamples(['host_stats'], { event_recorder: eventRecorderPlugin(['host_stats.sample']) });
  base = `${env.api}/plugins/host-stats`;
  await loadPlugin(env.api, 'host_stats');
  await loadPlugin(env.api, 'event_recorder');
});

afterEach(async () => {
  await env?.stop();
});

const valueAt = (data: unknown, dotted: string) => dotted.split('.').reduce<any>((node, key) => node?.[key], data);

describe('host_stats example plugin', () => {
  it('declares CPU, memory and uptime stat cards whose value paths resolve on its live endpoint', async () => {
    const { status, body } = await getJson<any>(`${env.api}/plugins/host_stats/manifest`);
    expect(status).toBe(200);
    expect(body.negotiation.accepted).toBe(true);
    const indicators = body.manifest.dashboard.indicators as any[];
    expect(indicators.map((i) => i.widget.title)).toEqual(['CPU load', 'Memory used', 'Uptime']);
    for (const { widget } of indicators) {
      expect(widget.type).toBe('stat_card');
      // The dashboard fetches the endpoint relative to its own origin.
      const data = await getJson(`${env.backend.url}${widget.endpoint}`);
      expect(data.status).toBe(200);
      expect(valueAt(data.body, widget.value_path)).toMatch(/\S/);
    }
  });

  it('reports the figures of the machine it runs on', async () => {
    const { body } = await getJson<any>(`${base}/stats`);
    expect(body.memory.total_bytes).toBe(os.totalmem());
    expect(body.memory.used_bytes).toBeGreaterThan(0);
    expect(body.memory.used_bytes).toBeLessThanOrEqual(body.memory.total_bytes);
    expect(body.cpu.count).toBe(os.cpus().length);
    expect(body.cpu.percent).toBeGreaterThanOrEqual(0);
    expect(body.cpu.percent).toBeLessThanOrEqual(100);
    expect(Math.abs(body.uptime.seconds - os.uptime())).toBeLessThan(120);
    expect(body.hostname).toBe(os.hostname());
  });

  it('samples live in the background: history grows and host_stats.sample events reach subscribers', async () => {
    const history = await eventually(
      async () => {
        const { body } = await getJson<any>(`${base}/history`);
        return body.total >= 2 ? body.items : undefined;
      },
      (items) => items !== undefined,
      20_000,
    );
    expect(history[1].at > history[0].at).toBe(true);
    const events = await eventually(
      async () => {
        const { body } = await getJson<any>(`${env.api}/plugins/event-recorder/events`);
        return body.total >= 1 ? body.items : undefined;
      },
      (items) => items !== undefined,
      20_000,
    );
    expect(events[0]).toMatchObject({ topic: 'host_stats.sample', source: 'host_stats' });
    expect(events[0].data.cpu_percent).toEqual(expect.any(Number));
  });

  it('lists its details for the page table, grouped by area', async () => {
    const { body } = await getJson<any>(`${base}/details`);
    expect(new Set(body.items.map((i: any) => i.group))).toEqual(new Set(['CPU', 'Memory', 'System']));
    expect(body.items.find((i: any) => i.metric === 'Uptime').value).toMatch(/min|h|d/);
    expect(body.items.find((i: any) => i.metric === 'Used').value).toMatch(/^[\d.]+ \w+ of [\d.]+ \w+ \(\d+ %\)$/);
  });

  it('has no HTML page of its own: its page is the page manifest the dashboard draws', async () => {
    const res = await send('GET', `${env.api}/plugins/host_stats/page`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('shows up in the registry while active and its routes are gone after unload', async () => {
    const registry = await getJson<any>(`${env.api}/plugins/registry`);
    expect(registry.body.widgets.filter((w: any) => w.plugin_id === 'host_stats').map((w: any) => w.id)).toEqual([
      'cpu',
      'memory',
      'uptime',
    ]);
    const unload = await send('POST', `${env.api}/plugins/host_stats/unload`);
    expect(unload.body.state).toBe('discovered');
    const gone = await send('GET', `${base}/stats`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toEqual(expect.any(String));
  });
});
