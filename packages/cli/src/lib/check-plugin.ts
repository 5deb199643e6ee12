import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PAGE_MANIFEST_FILE, formatIssue, isOkoError, negotiatePageManifest, type PluginManifest, type ValidationIssue } from '@oko/shared';
import { extractArchive, inspectPluginDirectory, readPluginDirectory } from '@oko/shared/archive';
import { CliError, ExitCode, usageError } from './errors.js';

/** A plugin folder (given, or unpacked from a ZIP) and every problem found in it. */
export interface CheckedPlugin {
  kind: 'folder' | 'zip';
  /** The folder holding manifest.json; for a ZIP, inside a temp folder that cleanup() removes. */
  dir: string;
  manifest: PluginManifest | null;
  issues: ValidationIssue[];
  cleanup: () => Promise<void>;
}

const noop = async () => {};

/**
 * Checks a plugin with the store's own rules: the archive rules of `@oko/shared/archive` for a ZIP,
 * then manifest.json, ui.yaml and the entry file, then page_manifest.yaml the way the backend
 * negotiates it (a page the backend would fall back on is a problem worth fixing before publishing).
 */
export async function checkPlugin(target: string): Promise<CheckedPlugin> {
  const stat = await lstat(target).catch(() => null);
  if (!stat) throw usageError(`no such file or folder: ${target}`);
  if (stat.isDirectory()) return { kind: 'folder', ...(await checkFolder(path.resolve(target))), cleanup: noop };
  if (!stat.isFile()) throw usageError(`${target} is neither a plugin folder nor a ZIP file`);

  const temp = await mkdtemp(path.join(os.tmpdir(), 'oko-plugin-check-'));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  try {
    const extracted = await extractArchive(target, temp);
    return { kind: 'zip', ...(await checkFolder(extracted.root)), cleanup };
  } catch (error) {
    if (!isOkoError(error)) {
      await cleanup();
      throw error;
    }
    return { kind: 'zip', dir: temp, manifest: null, issues: [{ file: path.basename(target), path: '', message: error.message }], cleanup };
  }
}

async function checkFolder(dir: string): Promise<{ dir: string; manifest: PluginManifest | null; issues: ValidationIssue[] }> {
  const issues = await inspectPluginDirectory(dir);
  const manifest = await readPluginDirectory(dir).then(
    (files) => files.manifest,
    () => null,
  );
  if (manifest) issues.push(...(await pageManifestIssues(dir, manifest)));
  return { dir, manifest, issues };
}

async function pageManifestIssues(dir: string, manifest: PluginManifest): Promise<ValidationIssue[]> {
  const text = await readFile(path.join(dir, PAGE_MANIFEST_FILE), 'utf8').catch(() => null);
  if (text === null) return [];
  return negotiatePageManifest(text, manifest).negotiation.errors;
}

/**
 * One line per problem. A value outside a list of allowed words fails every alternative of the
 * schema's union, which reads as one "must be equal to constant" per word plus an "anyOf" line;
 * those collapse into one line here.
 */
export function formatProblems(issues: readonly ValidationIssue[]): string[] {
  const unionPaths = new Set(issues.filter((i) => i.message.includes('anyOf')).map((i) => `${i.file}\0${i.path}`));
  const lines = issues
    .filter((i) => !(unionPaths.has(`${i.file}\0${i.path}`) && i.message === 'must be equal to constant'))
    .map((i) => `  ${formatIssue(i.message.includes('anyOf') ? { ...i, message: 'is not one of the allowed values' } : i)}`);
  return [...new Set(lines)];
}

/** The error every command ends with when a plugin has problems: a count, then each problem. */
export function invalidPlugin(target: string, issues: readonly ValidationIssue[], outcome = ''): CliError {
  const lines = formatProblems(issues);
  return new CliError(ExitCode.INVALID, `${target}: ${lines.length} problem(s) found${outcome ? `; ${outcome}` : ''}`, lines);
}
