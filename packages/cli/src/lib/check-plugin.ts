import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  PAGE_MANIFEST_FILE,
  formatIssue,
  isOkoError,
  negotiatePageManifest,
  type PluginManifest,
  type UiConfig,
  type ValidationIssue,
} from '@oko/shared';
import { extractArchive, inspectPluginDirectory, readPluginDirectory, type PluginFiles } from '@oko/shared/archive';
import { CliError, ExitCode, usageError } from './errors.js';

/** A plugin folder (given, or unpacked from a ZIP) and every problem found in it. */
export interface CheckedPlugin {
  kind: 'folder' | 'zip';
  /** The folder holding manifest.json; for a ZIP, inside a temp folder that cleanup() removes. */
  dir: string;
  manifest: PluginManifest | null;
  /** ui.yaml as read, when the files are valid: the API prefix comes from it. */
  ui: UiConfig | null;
  issues: ValidationIssue[];
  /** Accepted but deprecated (ui.yaml `required_permissions`): printed, never a failure. */
  warnings: ValidationIssue[];
  cleanup: () => Promise<void>;
}

const noop = async () => {};

/**
 * Checks a plugin with the store's own rules: the archive rules of `@oko/shared/archive` for a ZIP,
 * then manifest.json, ui.yaml and the entry file, then page_manifest.yaml the way the backend
 * negotiates it (a page the backend would fall back on is a problem worth fixing before publishing).
 * A relative target is taken from cwd; messages name it as it was given.
 */
export async function checkPlugin(target: string, cwd: string): Promise<CheckedPlugin> {
  const file = path.resolve(cwd, target);
  const stat = await lstat(file).catch(() => null);
  if (!stat) throw usageError(`no such file or folder: ${target}`);
  if (stat.isDirectory()) return { kind: 'folder', ...(await checkFolder(file)), cleanup: noop };
  if (!stat.isFile()) throw usageError(`${target} is neither a plugin folder nor a ZIP file`);

  const temp = await mkdtemp(path.join(os.tmpdir(), 'oko-plugin-check-'));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    const extracted = await extractArchive(file, temp);
    return { kind: 'zip', ...(await checkFolder(extracted.root)), cleanup };
  } catch (error) {
    if (!isOkoError(error)) {
      await cleanup();
      throw error;
    }
    const issues = [{ file: path.basename(target), path: '', message: error.message }];
    return { kind: 'zip', dir: temp, manifest: null, ui: null, issues, warnings: [], cleanup };
  }
}

type CheckedFolder = Pick<CheckedPlugin, 'dir' | 'manifest' | 'ui' | 'issues' | 'warnings'>;

async function checkFolder(dir: string): Promise<CheckedFolder> {
  const issues = await inspectPluginDirectory(dir);
  const files = await readPluginDirectory(dir).catch(() => null);
  const manifest = files?.manifest ?? null;
  if (files) issues.push(...(await pageManifestIssues(dir, files)));
  return { dir, manifest, ui: files?.ui ?? null, issues, warnings: files?.warnings ?? [] };
}

async function pageManifestIssues(dir: string, files: PluginFiles): Promise<ValidationIssue[]> {
  const text = await readFile(path.join(dir, PAGE_MANIFEST_FILE), 'utf8').catch(() => null);
  if (text === null) return [];
  return negotiatePageManifest(text, files.manifest, files.ui).negotiation.errors;
}

/** One line per problem (the same problem found twice, e.g. by two checks, is listed once). */
function formatProblems(issues: readonly ValidationIssue[]): string[] {
  return [...new Set(issues.map((i) => `  ${formatIssue(i)}`))];
}

/** The error every command ends with when a plugin has problems: a count, then each problem. */
export function invalidPlugin(target: string, issues: readonly ValidationIssue[], outcome = ''): CliError {
  const lines = formatProblems(issues);
  return new CliError(ExitCode.INVALID, `${target}: ${lines.length} problem(s) found${outcome ? `; ${outcome}` : ''}`, lines);
}
