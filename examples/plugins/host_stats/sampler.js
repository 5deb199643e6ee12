// CPU busy share needs two readings of the kernel's CPU counters: the sampler keeps the
// previous reading and a short history, so every request answers from a fresh interval.
import os from 'node:os';

const HISTORY = 60;

function cpuTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

export function createSampler() {
  let previous = cpuTimes();
  let cpuPercent = 0;
  const history = [];

  function sample() {
    const now = cpuTimes();
    const total = now.total - previous.total;
    if (total > 0) cpuPercent = Math.round((1 - (now.idle - previous.idle) / total) * 1000) / 10;
    previous = now;
    const snapshot = read();
    history.push({ at: snapshot.sampled_at, cpu_percent: snapshot.cpu.percent, memory_percent: snapshot.memory.used_percent });
    if (history.length > HISTORY) history.shift();
    return snapshot;
  }

  function read() {
    const total = os.totalmem();
    const used = total - os.freemem();
    const usedPercent = Math.round((used / total) * 1000) / 10;
    const [load1, load5, load15] = os.loadavg();
    const uptime = Math.floor(os.uptime());
    return {
      hostname: os.hostname(),
      platform: `${os.type()} ${os.release()} (${os.arch()})`,
      cpu: {
        percent: cpuPercent,
        count: os.cpus().length,
        load_1m: round2(load1),
        load_5m: round2(load5),
        load_15m: round2(load15),
        display: `${cpuPercent.toFixed(1)} %`,
      },
      // `display` fits a stat card; `detail` is the long form for the details table.
      memory: {
        used_bytes: used,
        total_bytes: total,
        used_percent: usedPercent,
        display: `${formatBytes(used)} (${usedPercent.toFixed(0)} %)`,
        detail: `${formatBytes(used)} of ${formatBytes(total)} (${usedPercent.toFixed(0)} %)`,
      },
      uptime: { seconds: uptime, display: formatDuration(uptime) },
      sampled_at: new Date().toISOString(),
    };
  }

  return { sample, read, history: () => [...history] };
}

const round2 = (n) => Math.round(n * 100) / 100;

export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}
