import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { round } from './stats.js';

/** One figure with the baseline measured beside it in the same run. */
export interface Row {
  scenario: string;
  figure: string;
  unit: string;
  /** Which way is good, so a reader knows whether a ratio above 1 is a cost. */
  better: 'higher' | 'lower';
  value: number;
  baseline: { label: string; value: number };
  note?: string;
}

/** figure ÷ baseline, as printed. */
export function ratio(row: Row): number {
  return row.value / row.baseline.value;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'figure', 'value', 'baseline', 'baseline value', 'ratio'];
  const lines = rows.map((row) => [
    row.scenario,
    `${row.figure} (${row.unit}, ${row.better} is better)`,
    formatNumber(row.value),
    row.baseline.label,
    formatNumber(row.baseline.value),
    Number.isFinite(ratio(row)) ? `${ratio(row).toFixed(2)}×` : 'n/a',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 2 && i !== 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

export function machine() {
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
  };
}

export async function writeResults(
  file: string,
  data: { settings: unknown; rows: readonly Row[]; skipped: string[]; info: Record<string, unknown>; seconds: number },
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const rows = data.rows.map((row) => ({ ...row, ratio: round(ratio(row), 3) }));
  const json = { date: new Date().toISOString(), machine: machine(), ...data, rows };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}
