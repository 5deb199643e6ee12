import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkSchema, formatIssues } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { CatalogRecord } from './catalog-record.js';
import { PACKAGE_FILE } from './plugin-storage.js';

/**
 * Each upload folder keeps its own catalog record beside the package (README.md, Storage layout),
 * so the catalog can be rebuilt from uploads/ with its ids, created_at, source and owner when
 * plugins.json is lost or broken (`npm run store:recover`).
 */
export const ENTRY_FILE = 'entry.json';

export async function writeEntryRecord(folderPath: string, record: CatalogRecord): Promise<void> {
  await writeFileAtomic(path.join(folderPath, ENTRY_FILE), JSON.stringify(record));
}

export async function removeEntryRecord(folderPath: string): Promise<void> {
  await rm(path.join(folderPath, ENTRY_FILE), { force: true });
}

export async function hasEntryRecord(folderPath: string): Promise<boolean> {
  return (await stat(path.join(folderPath, ENTRY_FILE)).catch(() => null))?.isFile() ?? false;
}

/** The folder's record, null when it has none, or why the one it has cannot be used. */
export async function readEntryRecord(folderPath: string): Promise<CatalogRecord | null | string> {
  let text: string;
  try {
    text = await readFile(path.join(folderPath, ENTRY_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `cannot be read: ${(error as Error).message}`;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  const issues = checkSchema(CatalogRecord, data, ENTRY_FILE);
  if (issues.length > 0) return `unexpected content: ${formatIssues(issues.slice(0, 3))}`;
  const record = data as CatalogRecord;
  // The folder's own name wins: an operator may have moved or renamed it.
  return { ...record, storage: { ...record.storage, dir: path.basename(folderPath) } };
}

export interface UploadsScan {
  /** Folders with a usable entry record, by folder name. */
  records: Map<string, CatalogRecord>;
  /** Folders without an entry record that hold a package.zip: published before entry records existed, or cut off after packing. */
  unrecorded: string[];
  /** Folders with neither: an import cut off before its package was made. */
  incomplete: string[];
  /** Folders whose entry record is unusable, and why. */
  broken: { dir: string; reason: string }[];
}

/** Reads every upload folder's entry record. */
export async function scanUploads(uploadsPath: string): Promise<UploadsScan> {
  const scan: UploadsScan = { records: new Map(), unrecorded: [], incomplete: [], broken: [] };
  const names = (await readdir(uploadsPath, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const dir of names.sort()) {
    const folder = path.join(uploadsPath, dir);
    const found = await readEntryRecord(folder);
    if (typeof found === 'string') scan.broken.push({ dir, reason: `${ENTRY_FILE} ${found}` });
    else if (found) scan.records.set(dir, found);
    else if ((await stat(path.join(folder, PACKAGE_FILE)).catch(() => null))?.isFile()) scan.unrecorded.push(dir);
    else scan.incomplete.push(dir);
  }
  return scan;
}

/**
 * `first` plus the records of `extra` that clash with none of them (by id, by name and version, by
 * folder): the view a broken catalog is served from, and what a recovery writes.
 */
export function mergeRecords(first: readonly CatalogRecord[], extra: Iterable<CatalogRecord>): CatalogRecord[] {
  const merged = [...first];
  const ids = new Set(merged.map((r) => r.id));
  const versions = new Set(merged.map((r) => `${r.name}@${r.version}`));
  const dirs = new Set(merged.map((r) => r.storage.dir));
  for (const record of extra) {
    const version = `${record.name}@${record.version}`;
    if (ids.has(record.id) || versions.has(version) || dirs.has(record.storage.dir)) continue;
    merged.push(record);
    ids.add(record.id);
    versions.add(version);
    dirs.add(record.storage.dir);
  }
  return merged;
}
