import { createHash } from 'node:crypto';
import type { CatalogRecord } from '../src/services/catalog-record.js';

/** A valid catalog record (what the publisher stores) with a sha256 made from `content`. */
export function catalogRecord(
  i: number,
  name: string,
  version: string,
  fields: Partial<CatalogRecord> = {},
  content = `${name}@${version}`,
): CatalogRecord {
  return {
    id: i.toString(16).padStart(12, '0'),
    name,
    version,
    description: `Plugin ${name}`,
    author: 'Someone',
    tags: [],
    source: 'zip_upload',
    source_url: null,
    manifest: { name, version },
    ui: null,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    created_at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    storage: { dir: `zip_${i}`, plugin_dir: 'extracted' },
    ...fields,
  } as CatalogRecord;
}
