import { readFile } from 'node:fs/promises';
import { checkSchema, formatIssues } from '@oko/shared';
import { CatalogRecord, OwnerTable, type CatalogFile } from './catalog-record.js';

/** One record of plugins.json that cannot be used, and why (logged by its place and id). */
export interface BadRecord {
  index: number;
  id: string | null;
  reason: string;
}

/** What plugins.json holds: nothing yet, nothing usable, every record, or the usable records of a partly bad file. */
export type CatalogFileState =
  | { status: 'missing' }
  | { status: 'unreadable'; reason: string }
  | { status: 'valid'; records: CatalogRecord[]; owners: OwnerTable }
  | { status: 'partial'; records: CatalogRecord[]; bad: BadRecord[]; owners: OwnerTable };

/**
 * Reads plugins.json record by record, so one bad field costs that record, not the catalog: a
 * truncated, empty or garbage file is `unreadable`, a file with some bad records is `partial`.
 */
export async function readCatalogFile(file: string): Promise<CatalogFileState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'unreadable', reason: `cannot be read: ${(error as Error).message}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { status: 'unreadable', reason: `not valid JSON: ${(error as Error).message}` };
  }
  const top = data as { format?: unknown; plugins?: unknown; owners?: unknown } | null;
  if (typeof top !== 'object' || top === null || Array.isArray(top)) return { status: 'unreadable', reason: 'not a JSON object' };
  if (top.format !== 1) return { status: 'unreadable', reason: `unexpected content: format is ${JSON.stringify(top.format)}, not 1` };
  if (!Array.isArray(top.plugins)) return { status: 'unreadable', reason: 'unexpected content: plugins is not an array' };
  // A bad owner table is never read as "no owners" (that would hand every name to the next uploader).
  const ownerIssues = top.owners === undefined ? [] : checkSchema(OwnerTable, top.owners, 'owners');
  if (ownerIssues.length > 0) return { status: 'unreadable', reason: `bad owner table: ${formatIssues(ownerIssues.slice(0, 3))}` };
  const owners = (top.owners ?? {}) as OwnerTable;

  const records: CatalogRecord[] = [];
  const bad: BadRecord[] = [];
  const seen = { ids: new Set<string>(), versions: new Set<string>(), dirs: new Set<string>() };
  top.plugins.forEach((item: unknown, index) => {
    const rawId = (item as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' ? rawId : null;
    const issues = checkSchema(CatalogRecord, item, `plugins/${index}`);
    if (issues.length > 0) return bad.push({ index, id, reason: formatIssues(issues.slice(0, 3)) });
    const record = item as CatalogRecord;
    const version = `${record.name}@${record.version}`;
    const clash = seen.ids.has(record.id)
      ? `id ${record.id} appears twice`
      : seen.versions.has(version)
        ? `${record.name} ${record.version} appears twice`
        : seen.dirs.has(record.storage.dir)
          ? `folder ${record.storage.dir} is used twice`
          : null;
    if (clash) return bad.push({ index, id, reason: clash });
    seen.ids.add(record.id);
    seen.versions.add(version);
    seen.dirs.add(record.storage.dir);
    records.push(record);
  });
  return bad.length > 0 ? { status: 'partial', records, bad, owners } : { status: 'valid', records, owners };
}

export function describeBadRecords(bad: readonly BadRecord[]): string {
  const first = bad[0]!;
  const where = `#${first.index}${first.id ? ` (id ${first.id})` : ''}`;
  return `${bad.length} bad record(s), first ${where}: ${first.reason}`;
}

/** Each record's JSON, made once: a record is never changed in place (a change is a new object). */
const recordText = new WeakMap<CatalogRecord, string>();

/**
 * plugins.json's text: byte for byte `JSON.stringify(file)` and a newline, but each record is
 * serialized once in its life, so a publish into a catalog of thousands does not serialize all of
 * it again on the event loop (issue 17). Compact: indentation grows with nesting, and made a deep
 * manifest's record many times its own size.
 */
export function catalogFileText(file: CatalogFile): string {
  const plugins = file.plugins.map((record) => {
    let text = recordText.get(record);
    if (text === undefined) recordText.set(record, (text = JSON.stringify(record)));
    return text;
  });
  const owners = file.owners === undefined ? '' : `,"owners":${JSON.stringify(file.owners)}`;
  return `{"format":${file.format},"plugins":[${plugins.join(',')}]${owners}}\n`;
}
