import { engineProblem, satisfiesRange } from '@oko/shared';
import type { PluginRecord } from './record.js';

/*
 * What a plugin's manifest says of others (README "Engines and dependencies"): `engines.oko` must
 * fit this dashboard, and each plugin named in `dependencies` must be installed at a version the
 * range allows and be running before this one starts.
 */

/** manifest.json `dependencies` of a plugin ({} when it declares none or its manifest is invalid). */
export function dependenciesOf(record: PluginRecord): Record<string, string> {
  return record.scan.manifest?.dependencies ?? {};
}

/**
 * Why `record` cannot start now, in words for the user, or undefined: an engine that does not fit,
 * a dependency that is not installed, installed at a version its range refuses, or not active.
 */
export function startProblem(record: PluginRecord, all: Iterable<PluginRecord>): string | undefined {
  const engine = engineProblem(record.scan.manifest?.engines?.oko);
  if (engine) return engine;
  const byId = new Map([...all].map((other) => [other.scan.id, other]));
  for (const [name, range] of Object.entries(dependenciesOf(record))) {
    const other = byId.get(name);
    const needs = `needs ${name} ${range}`;
    if (!other) return `${needs}, which is not installed`;
    const version = other.scan.manifest?.version;
    if (version === undefined || !satisfiesRange(version, range)) return `${needs}, installed is ${version ?? 'an invalid plugin'}`;
    if (other.state !== 'active') return `${needs}, which is not active (${other.state}); load it first`;
  }
  return undefined;
}

/** Per plugin id, the installed plugins whose manifests name it as a dependency (sorted). */
export function dependentsIndex(records: Iterable<PluginRecord>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const record of records) {
    for (const name of Object.keys(dependenciesOf(record))) index.set(name, [...(index.get(name) ?? []), record.scan.id]);
  }
  for (const list of index.values()) list.sort();
  return index;
}

/**
 * `ids` ordered so each plugin comes after the dependencies among them (then by name); a cycle
 * keeps its members in name order, and their start check refuses whichever finds the other inactive.
 */
export function dependencyOrder(ids: Iterable<string>, records: ReadonlyMap<string, PluginRecord>): string[] {
  const wanted = new Set(ids);
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string) => {
    if (ordered.includes(id) || visiting.has(id)) return;
    visiting.add(id);
    const record = records.get(id);
    for (const name of Object.keys(record ? dependenciesOf(record) : {}).sort()) if (wanted.has(name)) visit(name);
    ordered.push(id);
  };
  for (const id of [...wanted].sort()) visit(id);
  return ordered;
}

/**
 * The dependencies of `record` to load before it: installed at a version its range allows and not
 * running (discovered, or in error and worth another try). Skipped: those already being loaded by
 * this same chain, and those that lead back to it (a cycle, copied in by hand, would deadlock).
 */
export function dependenciesToLoad(record: PluginRecord, records: ReadonlyMap<string, PluginRecord>, chain: readonly string[]): string[] {
  return Object.entries(dependenciesOf(record))
    .filter(([name, range]) => {
      const other = records.get(name);
      const version = other?.scan.manifest?.version;
      if (!other || version === undefined || !satisfiesRange(version, range)) return false;
      if (other.state !== 'discovered' && other.state !== 'error') return false;
      return !chain.includes(name) && !reaches(name, record.scan.id, records);
    })
    .map(([name]) => name);
}

/** Whether `from` depends, directly or through others, on `target`. */
function reaches(from: string, target: string, records: ReadonlyMap<string, PluginRecord>, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const record = records.get(from);
  return Object.keys(record ? dependenciesOf(record) : {}).some((name) => name === target || reaches(name, target, records, seen));
}
