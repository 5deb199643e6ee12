import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_MAIN,
  isValidPluginName,
  MANIFEST_FILE,
  parsePluginManifest,
  parseUiConfig,
  UI_CONFIG_FILE,
  type PluginManifest,
  type PluginScope,
  type UiConfig,
  type ValidationIssue,
} from '@oko/shared';

/** A plugin folder as found on disk; read as data, no plugin code runs. */
export interface ScannedPlugin {
  id: string;
  dir: string;
  scope: PluginScope;
  /** null when manifest.json is missing or invalid (see `issues`). */
  manifest: PluginManifest | null;
  ui: UiConfig;
  issues: ValidationIssue[];
}

/** Manifests are tiny; a bound keeps a hostile file from costing memory on every scan. */
const MAX_FILE_BYTES = 256 * 1024;

/** What stat says of one file: null when missing (or not a regular file, which counts as missing). */
type FileInfo = Stats | null;

async function statFile(file: string): Promise<FileInfo> {
  try {
    const info = await stat(file);
    return info.isFile() ? info : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Same key = same bytes, as far as the file system can tell without reading them. */
function fileKey(info: FileInfo): string {
  return info ? `${info.mtimeMs}:${info.ctimeMs}:${info.size}:${info.ino}` : '-';
}

async function readSmall(file: string, info: FileInfo): Promise<string | null> {
  if (!info) return null;
  if (info.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readPlugin(
  id: string,
  dir: string,
  scope: PluginScope,
  [manifestInfo, uiInfo]: [FileInfo, FileInfo],
): Promise<ScannedPlugin> {
  const issues: ValidationIssue[] = [];
  let manifest: PluginManifest | null = null;
  let ui: UiConfig = {};
  try {
    const manifestText = await readSmall(path.join(dir, MANIFEST_FILE), manifestInfo);
    if (manifestText === null) {
      issues.push({ file: MANIFEST_FILE, path: '', message: 'not found' });
    } else {
      const parsed = parsePluginManifest(manifestText);
      if (parsed.ok && parsed.value.name !== id) {
        issues.push({ file: MANIFEST_FILE, path: 'name', message: `'${parsed.value.name}' does not match the folder name '${id}'` });
      } else if (parsed.ok) manifest = parsed.value;
      else issues.push(...parsed.issues);
    }
    const uiText = await readSmall(path.join(dir, UI_CONFIG_FILE), uiInfo);
    if (uiText !== null) {
      const parsed = parseUiConfig(uiText);
      if (parsed.ok) ui = parsed.value;
      else issues.push(...parsed.issues);
    }
  } catch (error) {
    issues.push({ file: MANIFEST_FILE, path: '', message: `cannot be read (${(error as Error).message})` });
  }
  // A broken ui.yaml makes the plugin unusable too: its API prefix and page come from there.
  return { id, dir, scope, manifest: issues.length > 0 ? null : manifest, ui, issues };
}

interface CachedPlugin {
  key: string;
  plugin: ScannedPlugin;
}

/**
 * Finds plugin folders and reads their manifest.json and ui.yaml. Each folder's parsed result is
 * kept, keyed by both files' (mtime, ctime, size, inode), so a rescan is a readdir plus two stats
 * per folder and re-reads only files that changed. ctime and inode catch what mtime alone misses:
 * an edit that restores the old mtime, a folder replaced by an atomic rename.
 */
export class PluginScanner {
  private cache = new Map<string, CachedPlugin>();
  /** Manifest and ui.yaml reads since creation; for tests. */
  reads = 0;

  /**
   * Builtin plugins first, then installed ones, then development plugins (`devDir`): a folder with
   * the name of one found earlier is ignored, not mixed in (the dev routes refuse such a name, so
   * only a folder copied in by hand can be shadowed).
   */
  async scan(pluginsDir: string, builtinDir: string | null, devDir: string | null = null): Promise<Map<string, ScannedPlugin>> {
    const seen = new Map<string, CachedPlugin>();
    const roots = await Promise.all([
      builtinDir ? this.scanRoot(builtinDir, 'builtin', seen) : [],
      this.scanRoot(pluginsDir, 'external', seen),
      devDir ? this.scanRoot(devDir, 'dev', seen) : [],
    ]);
    // Only folders that still exist stay cached.
    this.cache = seen;
    const found = new Map<string, ScannedPlugin>();
    for (const plugin of roots.flat()) if (!found.has(plugin.id)) found.set(plugin.id, plugin);
    return found;
  }

  /**
   * The folder of plugin `id` alone, found as scan() would find it (builtin, then installed, then
   * development): for an operation that changed only that folder, so the others are not stat'ed
   * again. Undefined when no root holds it.
   */
  async scanOne(
    id: string,
    pluginsDir: string,
    builtinDir: string | null,
    devDir: string | null = null,
  ): Promise<ScannedPlugin | undefined> {
    if (!isValidPluginName(id)) return undefined;
    const roots: Array<[string | null, PluginScope]> = [
      [builtinDir, 'builtin'],
      [pluginsDir, 'external'],
      [devDir, 'dev'],
    ];
    for (const [root, scope] of roots) {
      if (!root) continue;
      const dir = path.join(root, id);
      // lstat, as readdir's entry type: a symlink to a folder is no plugin folder there either.
      const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
        throw error;
      });
      if (!info?.isDirectory()) {
        this.cache.delete(dir);
        continue;
      }
      return this.plugin(id, dir, scope, this.cache);
    }
    return undefined;
  }

  /**
   * Lists plugin folders of one root. Names starting with `.` are skipped: the installer stages
   * there before its atomic rename. Folders whose name is not a valid plugin id are skipped too:
   * no API path could ever address them.
   */
  private async scanRoot(root: string, scope: PluginScope, seen: Map<string, CachedPlugin>): Promise<ScannedPlugin[]> {
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const folders = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && isValidPluginName(entry.name));
    return Promise.all(folders.map((entry) => this.plugin(entry.name, path.join(root, entry.name), scope, seen)));
  }

  private async plugin(id: string, dir: string, scope: PluginScope, seen: Map<string, CachedPlugin>): Promise<ScannedPlugin> {
    let files: [FileInfo, FileInfo];
    try {
      files = await Promise.all([statFile(path.join(dir, MANIFEST_FILE)), statFile(path.join(dir, UI_CONFIG_FILE))]);
    } catch (error) {
      // Not cached: a folder we cannot stat is tried again on the next scan.
      return {
        id,
        dir,
        scope,
        manifest: null,
        ui: {},
        issues: [{ file: MANIFEST_FILE, path: '', message: `cannot be read (${(error as Error).message})` }],
      };
    }
    // Stat before reading: a change after the stat gives a new key, so the next scan reads again.
    const key = files.map(fileKey).join('|');
    const cached = this.cache.get(dir);
    if (cached?.key === key && cached.plugin.scope === scope) {
      seen.set(dir, cached);
      return cached.plugin;
    }
    this.reads += 1;
    const plugin = await readPlugin(id, dir, scope, files);
    seen.set(dir, { key, plugin });
    return plugin;
  }
}

export function mainFileOf(plugin: ScannedPlugin): string {
  return path.join(plugin.dir, plugin.manifest?.main ?? DEFAULT_MAIN);
}
