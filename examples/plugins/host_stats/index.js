// host_stats: live CPU, memory and uptime of the dashboard's host, for stat cards on the home page.
import { createSampler } from './sampler.js';

const SAMPLE_EVERY_MS = 2000;
let timer = null;

export async function setup(ctx) {
  const sampler = createSampler();
  // Sampling in the background keeps the CPU figure a real 2-second average instead of
  // depending on how often the dashboard happens to ask.
  timer = setInterval(() => {
    const snapshot = sampler.sample();
    ctx.events.emit('host_stats.sample', {
      cpu_percent: snapshot.cpu.percent,
      memory_percent: snapshot.memory.used_percent,
      at: snapshot.sampled_at,
    });
  }, SAMPLE_EVERY_MS);

  ctx.routes.get('/stats', async () => sampler.read());

  ctx.routes.get('/details', async () => {
    const s = sampler.read();
    const items = [
      { group: 'CPU', metric: 'Busy', value: s.cpu.display },
      { group: 'CPU', metric: 'Load average (1 / 5 / 15 min)', value: `${s.cpu.load_1m} / ${s.cpu.load_5m} / ${s.cpu.load_15m}` },
      { group: 'CPU', metric: 'Cores', value: String(s.cpu.count) },
      { group: 'Memory', metric: 'Used', value: s.memory.detail },
      { group: 'System', metric: 'Uptime', value: s.uptime.display },
      { group: 'System', metric: 'Host name', value: s.hostname },
      { group: 'System', metric: 'Platform', value: s.platform },
    ];
    return { items, total: items.length, sampled_at: s.sampled_at };
  });

  ctx.routes.get('/history', async () => {
    const items = sampler.history();
    return { items, total: items.length };
  });

  ctx.log.info('host_stats sampling every 2 s');
}

export async function teardown() {
  clearInterval(timer);
  timer = null;
}
