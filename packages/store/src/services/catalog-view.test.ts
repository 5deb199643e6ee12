import { expect, it } from 'vitest';
import { catalogRecord } from '../../test/catalog-records.js';
import { buildView } from './catalog-view.js';

it('converts only the records a change added when the view is built again', () => {
  const before = [catalogRecord(1, 'net_monitor', '1.0.0'), catalogRecord(2, 'disk', '0.1.0', { tags: ['Disk'] })];
  const after = [...before, catalogRecord(3, 'net_monitor', '1.1.0')];
  const first = buildView(before);
  const second = buildView(after);
  const entryOf = (view: ReturnType<typeof buildView>, id: string) => view.versions.find((r) => r.entry.id === id)!;
  expect(entryOf(second, before[1]!.id).entry).toBe(entryOf(first, before[1]!.id).entry);
  expect(entryOf(second, before[1]!.id).tags).toEqual(['disk']);
  expect(second.names.map((r) => `${r.entry.name}@${r.entry.version}:${r.entry.versions_count}`)).toEqual([
    'disk@0.1.0:1',
    'net_monitor@1.1.0:2',
  ]);
  expect(first.names.find((r) => r.entry.name === 'net_monitor')!.entry.versions_count).toBe(1);
});
