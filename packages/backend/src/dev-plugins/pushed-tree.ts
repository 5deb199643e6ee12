import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  MANIFEST_FILE,
  sharedPathName,
  UI_CONFIG_FILE,
  type PluginManifest,
  type PluginSummary,
  type UiConfig,
  type ValidationIssue,
} from '@oko/shared';
import { inspectPluginDirectory, readPluginDirectory } from '@oko/shared/archive';

export interface PushedTree {
  /** Set when the tree may run: no issues. */
  manifest?: PluginManifest;
  ui?: UiConfig | null;
  /** manifest.json's version as far as it can be read ('' otherwise), for the status of a refused first push. */
  version: string;
  issues: ValidationIssue[];
}

/**
 * Validates a pushed tree as the installer validates a package (the shared validators: manifest.json,
 * ui.yaml, the page manifest's bounds, the entry file), plus what only a development plugin can
 * get wrong: a manifest name that is not the name in the URL, or a name or API prefix another
 * plugin already has (`others`, as the manager knows them).
 */
export async function checkPushedTree(name: string, dir: string, others: readonly PluginSummary[]): Promise<PushedTree> {
  const issues = await inspectPluginDirectory(dir);
  const version = await versionOf(dir);
  if (issues.length > 0) return { version, issues };
  const { manifest, ui } = await readPluginDirectory(dir);
  if (manifest.name !== name) {
    const message = `'${manifest.name}' is not the name the plugin is sent as ('${name}', from the folder or --name)`;
    return { version, issues: [{ file: MANIFEST_FILE, path: 'name', message }] };
  }
  const clash = sharedPathName(
    name,
    ui,
    others.map((other) => ({ name: other.id, ui: { api_prefix: other.ui.api_prefix } })),
  );
  if (clash) {
    const message = `'${clash.name}' is already the name or API prefix of plugin '${clash.other}'`;
    return {
      version,
      issues: [{ file: clash.name === name ? MANIFEST_FILE : UI_CONFIG_FILE, path: clash.name === name ? 'name' : 'api_prefix', message }],
    };
  }
  return { manifest, ui, version: manifest.version, issues: [] };
}

/** The shared metadata bound (bounded-parse.ts); larger manifests are an issue already. */
const MANIFEST_READ_MAX = 64 * 1024;

async function versionOf(dir: string): Promise<string> {
  try {
    // Read only when small: the version is a courtesy, the size problem is already an issue.
    if ((await stat(path.join(dir, MANIFEST_FILE))).size > MANIFEST_READ_MAX) return '';
    const parsed = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version.slice(0, 64) : '';
  } catch {
    return '';
  }
}
