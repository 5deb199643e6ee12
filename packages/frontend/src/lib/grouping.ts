import type { GroupBySpec } from '../api/page-manifest-types.js';

export type Row = Record<string, unknown>;

export interface RowGroup {
  /** Unique among all groups of a table: the chain of group values, so collapse state survives a refresh. */
  key: string;
  spec: GroupBySpec;
  label: string;
  /** Rows in this group, nested groups included. */
  count: number;
  depth: number;
  groups: RowGroup[];
  rows: Row[];
}

function labelOf(value: unknown, spec: GroupBySpec): string {
  if (value === null || value === undefined || value === '') return spec.emptyLabel ?? 'None';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Nests rows by each `groupBy` level in turn, keeping the order in which groups first appear. */
export function groupRows(rows: Row[], specs: GroupBySpec[], depth = 0, parentKey = ''): RowGroup[] {
  const [spec, ...rest] = specs;
  if (!spec) return [];
  const buckets = new Map<string, Row[]>();
  for (const row of rows) {
    const label = labelOf(row[spec.field], spec);
    const bucket = buckets.get(label);
    if (bucket) bucket.push(row);
    else buckets.set(label, [row]);
  }
  return [...buckets].map(([label, bucket]) => {
    const key = `${parentKey}/${spec.field}=${label}`;
    return {
      key,
      spec,
      label,
      count: bucket.length,
      depth,
      groups: groupRows(bucket, rest, depth + 1, key),
      rows: rest.length === 0 ? bucket : [],
    };
  });
}

export type DisplayLine = { kind: 'group'; group: RowGroup; collapsed: boolean } | { kind: 'row'; row: Row; depth: number; key: string };

/** Flattens the group tree into table lines, skipping what sits under a collapsed group. */
export function displayLines(groups: RowGroup[], collapsed: ReadonlySet<string>): DisplayLine[] {
  const lines: DisplayLine[] = [];
  const walk = (list: RowGroup[]) => {
    for (const group of list) {
      const isCollapsed = collapsed.has(group.key);
      lines.push({ kind: 'group', group, collapsed: isCollapsed });
      if (isCollapsed) continue;
      walk(group.groups);
      group.rows.forEach((row, index) => lines.push({ kind: 'row', row, depth: group.depth + 1, key: `${group.key}#${index}` }));
    }
  };
  walk(groups);
  return lines;
}

/** Case-insensitive match of the filter text against the shown columns. */
export function filterRows(rows: Row[], keys: string[], text: string): Row[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return rows;
  return rows.filter((row) =>
    keys.some((key) => {
      const value = row[key];
      return (
        value !== null &&
        value !== undefined &&
        String(typeof value === 'object' ? JSON.stringify(value) : value)
          .toLowerCase()
          .includes(needle)
      );
    }),
  );
}
