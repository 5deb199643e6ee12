import { describe, expect, it } from 'vitest';
import { displayLines, filterRows, groupRows } from './grouping.js';

const rows = [
  { host: 'a', port: 22, proto: 'tcp' },
  { host: 'a', port: 80, proto: 'tcp' },
  { host: 'b', port: 53, proto: 'udp' },
  { host: null, port: 1, proto: 'tcp' },
];

describe('groupRows', () => {
  it('nests groups level by level with counts that include nested rows', () => {
    const groups = groupRows(rows, [{ field: 'proto' }, { field: 'host', emptyLabel: 'Unknown' }]);
    expect(groups.map((g) => [g.label, g.count])).toEqual([
      ['tcp', 3],
      ['udp', 1],
    ]);
    expect(groups[0]!.groups.map((g) => [g.label, g.count])).toEqual([
      ['a', 2],
      ['Unknown', 1],
    ]);
    expect(groups[0]!.rows).toEqual([]);
    expect(groups[0]!.groups[0]!.rows).toHaveLength(2);
  });

  it('hides what is under a collapsed group but keeps its header', () => {
    const groups = groupRows(rows, [{ field: 'proto' }, { field: 'host' }]);
    const open = displayLines(groups, new Set());
    expect(open.filter((l) => l.kind === 'row')).toHaveLength(4);
    const tcpKey = groups[0]!.key;
    const closed = displayLines(groups, new Set([tcpKey]));
    expect(closed.map((l) => (l.kind === 'group' ? `g:${l.group.label}` : 'row'))).toEqual(['g:tcp', 'g:udp', 'g:b', 'row']);
  });

  it('filters on the shown columns, case-insensitively', () => {
    expect(filterRows(rows, ['host', 'proto'], 'UDP')).toEqual([rows[2]]);
    expect(filterRows(rows, ['host'], 'udp')).toEqual([]);
    expect(filterRows(rows, ['host'], '  ')).toBe(rows);
  });
});
