import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_MAX_BYTES, parseBoundedYaml } from '../bounded-parse.js';
import { createError } from '../errors.js';
import { DEFAULT_MAIN, MANIFEST_FILE, isSafeRelativePath, parsePluginManifest, type PluginManifest } from '../manifest.js';
import { PAGE_MANIFEST_FILE } from '../page-manifest.js';
import { UI_CONFIG_FILE, parseUiConfig, type UiConfig } from '../ui-config.js';
import { formatIssues, type ValidationIssue } from '../validation.js';

export interface PluginFiles {
  manifest: PluginManifest;
  ui: UiConfig | null;
  /** What is accepted but deprecated (ui.yaml `required_permissions`): shown, never refused. */
  warnings: ValidationIssue[];
}

type FileRead = { kind: 'missing' } | { kind: 'problem'; message: string } | { kind: 'text'; text: string };

async function readMetadataFile(file: string): Promise<FileRead> {
  const stat = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (!stat) return { kind: 'missing' };
  if (!stat.isFile()) return { kind: 'problem', message: 'must be a regular file' };
  if (stat.size > METADATA_MAX_BYTES) return { kind: 'problem', message: `is larger than ${METADATA_MAX_BYTES} bytes` };
  return { kind: 'text', text: await readFile(file, 'utf8') };
}

interface Collected {
  manifest: PluginManifest | null;
  ui: UiConfig | null;
  issues: ValidationIssue[];
  warnings: ValidationIssue[];
}

async function collect(dir: string): Promise<Collected> {
  const issues: ValidationIssue[] = [];
  let manifest: PluginManifest | null = null;
  const manifestFile = await readMetadataFile(path.join(dir, MANIFEST_FILE));
  if (manifestFile.kind === 'missing') {
    issues.push({ file: MANIFEST_FILE, path: '', message: 'missing (expected at the plugin root or inside one top-level folder)' });
  } else if (manifestFile.kind === 'problem') {
    issues.push({ file: MANIFEST_FILE, path: '', message: manifestFile.message });
  } else {
    const result = parsePluginManifest(manifestFile.text);
    if (result.ok) manifest = result.value;
    else issues.push(...result.issues);
  }

  let ui: UiConfig | null = null;
  const warnings: ValidationIssue[] = [];
  const uiFile = await readMetadataFile(path.join(dir, UI_CONFIG_FILE));
  if (uiFile.kind === 'problem') {
    issues.push({ file: UI_CONFIG_FILE, path: '', message: uiFile.message });
  } else if (uiFile.kind === 'text') {
    const result = parseUiConfig(uiFile.text);
    warnings.push(...(result.warnings ?? []));
    if (result.ok) ui = result.value;
    else issues.push(...result.issues);
  }
  issues.push(...(await pageManifestBoundIssues(dir)));
  return { manifest, ui, issues, warnings };
}

/**
 * A page manifest that fails its own rules only costs the plugin its page (a disabled fallback),
 * but one past the size, depth or alias bounds is refused with the package: every dashboard would
 * parse it on each page load.
 */
async function pageManifestBoundIssues(dir: string): Promise<ValidationIssue[]> {
  const file = await readMetadataFile(path.join(dir, PAGE_MANIFEST_FILE));
  if (file.kind === 'missing') return [];
  if (file.kind === 'problem') return [{ file: PAGE_MANIFEST_FILE, path: '', message: file.message }];
  const parsed = parseBoundedYaml(file.text, PAGE_MANIFEST_FILE);
  return parsed.ok ? [] : parsed.issues.filter((issue) => !issue.message.startsWith('not valid YAML'));
}

/** Reads and validates manifest.json + ui.yaml (optional) of an unpacked plugin folder. */
export async function readPluginDirectory(dir: string): Promise<PluginFiles> {
  const { manifest, ui, issues, warnings } = await collect(dir);
  if (!manifest || issues.length > 0) {
    throw createError('INVALID_MANIFEST', `invalid plugin package: ${formatIssues(issues)}`, { details: issues });
  }
  return { manifest, ui, warnings };
}

/** Every problem of an unpacked plugin folder, including a missing main file; [] when it is fine. */
export async function inspectPluginDirectory(dir: string): Promise<ValidationIssue[]> {
  const stat = await lstat(dir).catch(() => null);
  if (!stat?.isDirectory()) return [{ file: '.', path: '', message: `plugin folder not found: ${dir}` }];
  const { manifest, issues } = await collect(dir);
  const main = manifest?.main ?? DEFAULT_MAIN;
  if (manifest && isSafeRelativePath(main)) {
    const mainStat = await lstat(path.join(dir, main)).catch(() => null);
    if (!mainStat?.isFile()) {
      issues.push({ file: MANIFEST_FILE, path: 'main', message: `entry file '${main}' not found in the plugin folder` });
    }
  }
  return issues;
}
