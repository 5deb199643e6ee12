import { readdir, readFile, stat } from 'node:fs/promises';
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

async function readSmall(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return null;
    if (info.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readPlugin(id: string, dir: string, scope: PluginScope): Promise<ScannedPlugin> {
  const issues: ValidationIssue[] = [];
  let manifest: PluginManifest | null = null;
  let ui: UiConfig = {};
  try {
    const manifestText = await readSmall(path.join(dir, MANIFEST_FILE));
    if (manifestText === null) {
      issues.push({ file: MANIFEST_FILE, path: '', message: 'not found' });
    } else {
      const parsed = parsePluginManifest(manifestText);
      if (parsed.ok && parsed.value.name !== id) {
        issues.push({ file: MANIFEST_FILE, path: 'name', message: `'${parsed.value.name}' does not match the folder name '${id}'` });
      } else if (parsed.ok) manifest = parsed.value;
      else issues.push(...parsed.issues);
    }
    const uiText = await readSmall(path.join(dir, UI_CONFIG_FILE));
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

/**
 * Lists plugin folders of one root. Names starting with `.` are skipped: the installer stages
 * there before its atomic rename. Folders whose name is not a valid plugin id are skipped too:
 * no API path could ever address them.
 */
async function scanRoot(root: string, scope: PluginScope): Promise<ScannedPlugin[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const folders = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && isValidPluginName(entry.name));
  return Promise.all(folders.map((entry) => readPlugin(entry.name, path.join(root, entry.name), scope)));
}

/** Builtin plugins first: an installed folder with a builtin's name is ignored, not mixed in. */
export async function scanPlugins(pluginsDir: string, builtinDir: string | null): Promise<Map<string, ScannedPlugin>> {
  const [builtin, external] = await Promise.all([builtinDir ? scanRoot(builtinDir, 'builtin') : [], scanRoot(pluginsDir, 'external')]);
  const found = new Map<string, ScannedPlugin>();
  for (const plugin of [...builtin, ...external]) if (!found.has(plugin.id)) found.set(plugin.id, plugin);
  return found;
}

export function mainFileOf(plugin: ScannedPlugin): string {
  return path.join(plugin.dir, plugin.manifest?.main ?? DEFAULT_MAIN);
}
