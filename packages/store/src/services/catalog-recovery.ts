import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, type CatalogSignature } from '@oko/shared';
import { readPluginDirectory, readSignature, sha256File } from '@oko/shared/archive';
import { writeFileAtomic } from '@oko/shared/server';
import { EXTRACTED_DIR } from './archive-importer.js';
import { catalogFileText, readCatalogFile } from './catalog-file.js';
import type { CatalogRecord } from './catalog-record.js';
import { CATALOG_FILE } from './catalog-repository.js';
import { hasEntryRecord, mergeRecords, scanUploads, writeEntryRecord } from './entry-records.js';
import { recordOf, type StagedPlugin } from './plugin-publisher.js';
import { PACKAGE_FILE, UPLOADS_DIR } from './plugin-storage.js';

/** Where a recovery moves upload folders it cannot turn into a record, so no later sweep deletes them. */
export const UNRECOVERED_DIR = 'unrecovered';

export interface RecoveryReport {
  /** What plugins.json was before. */
  catalog: 'missing' | 'valid' | 'partial' | 'unreadable';
  /** Where the old, not wholly valid plugins.json was kept, if it was. */
  keptAs: string | null;
  fromCatalog: number;
  fromEntryRecords: number;
  /** Folders with a package but no entry record (published before entry records): new id, created_at from the folder name. */
  rebuilt: { dir: string; id: string; name: string; version: string }[];
  /** Folders that gave no record, moved to unrecovered/ (or left, for an unusable entry record), and why. */
  skipped: { dir: string; reason: string }[];
  total: number;
}

/**
 * Rebuilds plugins.json from what is on disk, keeping every id, created_at, source and owner that
 * was recorded: the usable records of plugins.json first, then each upload folder's entry record,
 * then a record made from the files of a folder that has a package but no entry record. Never
 * deletes: a broken plugins.json is kept beside as plugins.json.broken-<time>, and a folder that
 * gives no record is moved to unrecovered/. Run it with the store stopped, or while it is
 * read-only (it writes nothing then).
 */
export async function recoverCatalog(storagePath: string, options: { dryRun?: boolean } = {}): Promise<RecoveryReport> {
  const file = path.join(storagePath, CATALOG_FILE);
  const uploads = path.join(storagePath, UPLOADS_DIR);
  const state = await readCatalogFile(file);
  const scan = await scanUploads(uploads);
  const fromFile = state.status === 'valid' || state.status === 'partial' ? state.records : [];
  let records = mergeRecords(fromFile, scan.records.values());
  const report: RecoveryReport = {
    catalog: state.status,
    keptAs: null,
    fromCatalog: fromFile.length,
    fromEntryRecords: records.length - fromFile.length,
    rebuilt: [],
    skipped: scan.broken.map(({ dir, reason }) => ({ dir, reason: `${reason} (left in uploads/; fix or remove it)` })),
    total: 0,
  };
  const listed = new Set(records.map((r) => r.storage.dir));
  const moveAside: string[] = [];
  for (const dir of [...scan.unrecorded, ...scan.incomplete].filter((d) => !listed.has(d))) {
    const made = scan.unrecorded.includes(dir) ? await recordFromFiles(uploads, dir) : 'no package.zip (an import cut off)';
    const before = records.length;
    if (typeof made !== 'string') records = mergeRecords(records, [made]);
    if (typeof made !== 'string' && records.length > before) {
      report.rebuilt.push({ dir, id: made.id, name: made.name, version: made.version });
    } else {
      report.skipped.push({
        dir,
        reason: `${typeof made === 'string' ? made : `${made.name} ${made.version} is already listed`} (moved to ${UNRECOVERED_DIR}/)`,
      });
      moveAside.push(dir);
    }
  }
  report.total = records.length;
  if (options.dryRun) return report;

  for (const record of records) {
    const folder = path.join(uploads, record.storage.dir);
    if ((await stat(folder).catch(() => null))?.isDirectory() && !(await hasEntryRecord(folder))) await writeEntryRecord(folder, record);
  }
  if (moveAside.length > 0) await mkdir(path.join(storagePath, UNRECOVERED_DIR), { recursive: true });
  for (const dir of moveAside) await rename(path.join(uploads, dir), path.join(storagePath, UNRECOVERED_DIR, dir));
  if (state.status === 'partial' || state.status === 'unreadable') {
    report.keptAs = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(file, report.keptAs);
  }
  // The file's owner table when it could be read, else each name's owner as its versions recorded it.
  const owners = { ...(state.status === 'valid' || state.status === 'partial' ? state.owners : {}) };
  for (const record of records) if (record.owner && !Object.hasOwn(owners, record.name)) owners[record.name] = record.owner;
  await writeFileAtomic(file, catalogFileText({ format: 1, plugins: records, owners }));
  return report;
}

/** A record for a folder that has a package but no entry record, from its files and its name. */
async function recordFromFiles(uploads: string, dir: string): Promise<CatalogRecord | string> {
  const folder = path.join(uploads, dir);
  const github = /^github_([A-Za-z0-9-]+)_(.+)_\d{8}_\d{6}(?:_\d+)?$/.exec(dir);
  const pluginDir = await findPluginDir(path.join(folder, EXTRACTED_DIR));
  if (!pluginDir) return `no manifest.json in ${EXTRACTED_DIR}/ or its one top-level folder (a GitHub subdirectory cannot be told)`;
  let files: StagedPlugin['files'];
  try {
    files = await readPluginDirectory(pluginDir);
  } catch (error) {
    return (error as Error).message;
  }
  const packageFile = path.join(folder, PACKAGE_FILE);
  const pkg = { size: (await stat(packageFile)).size, sha256: await sha256File(packageFile) };
  const staged: StagedPlugin = {
    pluginDir,
    files,
    source: github ? 'github' : 'zip_upload',
    // The owner and repository are in the folder's name; the branch and GitHub host are not.
    sourceUrl: github ? `https://github.com/${github[1]}/${github[2]}` : null,
  };
  return recordOf({ name: dir, path: folder }, staged, pkg, await createdAt(folder, dir), await signatureOf(pluginDir));
}

/** What the entry shows of the package's signature, checked when it was published; an unreadable one reads as none. */
async function signatureOf(pluginDir: string): Promise<CatalogSignature> {
  const signature = await readSignature(pluginDir).catch(() => null);
  return signature ? { key_id: signature.key_id, signer: signature.signer } : null;
}

/** The plugin folder inside extracted/: at its root, or in its one top-level folder (as an upload or a zipball). */
async function findPluginDir(extracted: string): Promise<string | null> {
  const entries = await readdir(extracted, { withFileTypes: true }).catch(() => null);
  if (!entries) return null;
  if (entries.some((e) => e.isFile() && e.name === MANIFEST_FILE)) return extracted;
  const dirs = entries.filter((e) => e.isDirectory());
  if (dirs.length !== 1) return null;
  const inner = path.join(extracted, dirs[0]!.name);
  return (await stat(path.join(inner, MANIFEST_FILE)).catch(() => null))?.isFile() ? inner : null;
}

/** The upload time in the folder's name (UTC), else the folder's own time. */
async function createdAt(folder: string, dir: string): Promise<Date> {
  const m = /_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?:_\d+)?$/.exec(dir);
  if (m) return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return (await stat(folder)).mtime;
}
