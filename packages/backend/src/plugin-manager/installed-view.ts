import { randomUUID } from 'node:crypto';
import type { InstalledPluginInfo, PluginState } from '@oko/shared';
import { toSummary, type PluginRecord } from './record.js';
import type { ScannedPlugin } from './scanner.js';

/** What the store's list marks as installed, by plugin name, and a version that changes with it. */
export interface InstalledSnapshot {
  /** Differs whenever any plugin appeared, went, or changed its files or state; also between two runs of the backend. */
  version: string;
  byName: ReadonlyMap<string, InstalledPluginInfo>;
}

/**
 * The installed plugins as the store's list shows them, rebuilt only when they changed. It reads
 * the manager's records, which scans, operations and crashes keep up to date, and so costs no scan.
 *
 * A change is seen by identity: every change of a plugin replaces its record, its scan (the
 * scanner hands out a new object when manifest.json or ui.yaml changed) or its state string. So
 * `current()` compares each record with what the snapshot was built from, a few microseconds
 * for hundreds of plugins, instead of trusting every place that changes a state to say so.
 */
export class InstalledView {
  /** A restarted backend counts from 0 again: the run's id keeps an ETag of the last run from matching. */
  private readonly run = randomUUID().slice(0, 8);
  private count = 0;
  private builtFrom: Array<{ record: PluginRecord; scan: ScannedPlugin; state: PluginState }> = [];
  private snapshot: InstalledSnapshot | undefined;

  constructor(private readonly records: ReadonlyMap<string, PluginRecord>) {}

  current(): InstalledSnapshot {
    if (this.snapshot && !this.changed()) return this.snapshot;
    this.builtFrom = [...this.records.values()].map((record) => ({ record, scan: record.scan, state: record.state }));
    // Sorted by id as PluginManager.list() is, so a name given twice resolves the same way.
    const summaries = [...this.records.values()].map((record) => toSummary(record)).sort((a, b) => a.id.localeCompare(b.id));
    const byName = new Map(summaries.map(({ id, name, version, state, scope }) => [name, { id, name, version, state, scope }]));
    this.count += 1;
    this.snapshot = { version: `${this.run}.${this.count}`, byName };
    return this.snapshot;
  }

  private changed(): boolean {
    if (this.builtFrom.length !== this.records.size) return true;
    let i = 0;
    for (const record of this.records.values()) {
      const seen = this.builtFrom[i++]!;
      if (seen.record !== record || seen.scan !== record.scan || seen.state !== record.state) return true;
    }
    return false;
  }
}
