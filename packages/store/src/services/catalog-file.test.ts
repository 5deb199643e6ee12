import { expect, it } from 'vitest';
import { catalogRecord } from '../../test/catalog-records.js';
import { catalogFileText } from './catalog-file.js';

it('writes exactly what JSON.stringify writes, with and without owners, and a changed record anew', () => {
  const records = [
    catalogRecord(1, 'net_monitor', '1.0.0', { description: 'Quotes " and \u2028 and ü' }),
    catalogRecord(2, 'disk', '0.1.0'),
  ];
  const owners = { net_monitor: { id: 'p1', name: 'ops' } };
  expect(catalogFileText({ format: 1, plugins: records, owners })).toBe(`${JSON.stringify({ format: 1, plugins: records, owners })}\n`);
  expect(catalogFileText({ format: 1, plugins: records })).toBe(`${JSON.stringify({ format: 1, plugins: records })}\n`);
  // A record is replaced, never edited: the new object's text is the new one.
  const changed = [records[0]!, { ...records[1]!, description: 'changed' }];
  expect(catalogFileText({ format: 1, plugins: changed, owners: {} })).toBe(
    `${JSON.stringify({ format: 1, plugins: changed, owners: {} })}\n`,
  );
});
