import semver from 'semver';
import { Type, type Static } from 'typebox';
import { parseBoundedJson } from './bounded-parse.js';
import { displayNameProblem } from './display.js';
import { PluginPermissions, permissionProblems } from './permissions.js';
import { reservedNameProblem } from './reserved-names.js';
import { checkSchema, type ValidationIssue, type ValidationResult } from './validation.js';
import { hasCatalogIdShape, rangeProblem } from './versions.js';

/** Plugin ids: lower case letters, digits and `_`, 2 to 64 characters, starting with a letter. */
export const PLUGIN_NAME_PATTERN = '^[a-z][a-z0-9_]{1,63}$';
const pluginNameRe = new RegExp(PLUGIN_NAME_PATTERN);
/** `exec.my_plugin.action`, `read.my_plugin.hosts`: dot-separated lower-case words. */
export const CAPABILITY_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)+$';

export function isValidPluginName(value: string): boolean {
  return pluginNameRe.test(value);
}

export const PluginManifest = Type.Object(
  {
    name: Type.String({ pattern: PLUGIN_NAME_PATTERN, description: "The plugin's id" }),
    version: Type.String({ minLength: 1, maxLength: 64, description: 'Semver version' }),
    display_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'What people see: store cards, menus, toasts (the name is the id)' }),
    ),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    author: Type.Optional(Type.String({ maxLength: 200 })),
    homepage: Type.Optional(Type.String({ maxLength: 500 })),
    license: Type.Optional(Type.String({ maxLength: 100 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 })),
    capabilities: Type.Optional(Type.Array(Type.String({ pattern: CAPABILITY_PATTERN, maxLength: 200 }), { maxItems: 200 })),
    main: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Entry file, default index.js' })),
    permissions: Type.Optional(PluginPermissions),
    engines: Type.Optional(
      Type.Object(
        {
          oko: Type.Optional(
            Type.String({ minLength: 1, maxLength: 100, description: 'Semver range of the OKO plugin API, e.g. ">=1.0.0 <2"' }),
          ),
        },
        { additionalProperties: true, description: 'What the plugin runs on; checked at install, update and load (README "Versions")' },
      ),
    ),
    dependencies: Type.Optional(
      Type.Record(Type.String({ pattern: PLUGIN_NAME_PATTERN }), Type.String({ minLength: 1, maxLength: 100 }), {
        maxProperties: 50,
        description: 'Other plugins this one needs, by name, with a semver range each; installed with consent and loaded first',
      }),
    ),
  },
  { $id: 'PluginManifest', additionalProperties: true, description: 'manifest.json of a plugin package' },
);
export type PluginManifest = Static<typeof PluginManifest>;

export const MANIFEST_FILE = 'manifest.json';
export const DEFAULT_MAIN = 'index.js';

/** A relative path that stays inside the plugin folder: no `..`, no absolute, no backslash, no drive. */
export function isSafeRelativePath(value: string): boolean {
  if (value.startsWith('/') || value.includes('\\') || /^[a-zA-Z]:/.test(value) || value.includes('\0')) return false;
  return value.split('/').every((part) => part !== '..' && part !== '');
}

/** Validates parsed manifest.json data; semantic checks (semver, safe main) beyond the schema. */
export function validatePluginManifest(data: unknown): ValidationResult<PluginManifest> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, issues: [{ file: MANIFEST_FILE, path: '', message: 'must be a JSON object' }] };
  }
  const issues: ValidationIssue[] = checkSchema(PluginManifest, data, MANIFEST_FILE);
  const record = data as Record<string, unknown>;
  if (typeof record.version === 'string' && !semver.valid(record.version)) {
    issues.push({ file: MANIFEST_FILE, path: 'version', message: 'not a semver version' });
  }
  const reserved = typeof record.name === 'string' ? reservedNameProblem(record.name) : undefined;
  if (reserved) issues.push({ file: MANIFEST_FILE, path: 'name', message: reserved });
  if (typeof record.name === 'string' && hasCatalogIdShape(record.name)) {
    issues.push({
      file: MANIFEST_FILE,
      path: 'name',
      message: 'has the shape of a store catalog id (12 hex characters); choose a name with a letter past f or a _',
    });
  }
  issues.push(...versionProblems(record));
  const displayProblem = typeof record.display_name === 'string' ? displayNameProblem(record.display_name) : null;
  if (displayProblem) issues.push({ file: MANIFEST_FILE, path: 'display_name', message: displayProblem });
  if (typeof record.main === 'string' && !isSafeRelativePath(record.main)) {
    issues.push({ file: MANIFEST_FILE, path: 'main', message: 'must be a relative path inside the plugin folder' });
  }
  for (const problem of permissionProblems(record.permissions)) issues.push({ file: MANIFEST_FILE, ...problem });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: data as PluginManifest, issues: [] };
}

/** Ranges that semver cannot read, and a plugin that depends on itself. */
function versionProblems(record: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const engines = record.engines as { oko?: unknown } | undefined;
  if (typeof engines?.oko === 'string') {
    const problem = rangeProblem(engines.oko);
    if (problem) issues.push({ file: MANIFEST_FILE, path: 'engines/oko', message: problem });
  }
  const dependencies = record.dependencies;
  if (typeof dependencies === 'object' && dependencies !== null && !Array.isArray(dependencies)) {
    for (const [name, range] of Object.entries(dependencies)) {
      if (!isValidPluginName(name)) issues.push({ file: MANIFEST_FILE, path: `dependencies/${name}`, message: 'not a plugin name' });
      // No plugin can have that name, and a dashboard resolving it as a ref would take it for a catalog id.
      else if (hasCatalogIdShape(name))
        issues.push({
          file: MANIFEST_FILE,
          path: `dependencies/${name}`,
          message: 'has the shape of a store catalog id, not a plugin name',
        });
      if (name === record.name)
        issues.push({ file: MANIFEST_FILE, path: `dependencies/${name}`, message: 'a plugin cannot depend on itself' });
      const problem = typeof range === 'string' ? rangeProblem(range) : undefined;
      if (problem) issues.push({ file: MANIFEST_FILE, path: `dependencies/${name}`, message: problem });
    }
  }
  return issues;
}

/**
 * Parses manifest.json text within the metadata bounds (size, depth, no duplicate keys), reporting
 * every problem as an issue rather than throwing.
 */
export function parsePluginManifest(text: string): ValidationResult<PluginManifest> {
  const parsed = parseBoundedJson(text, MANIFEST_FILE);
  return parsed.ok ? validatePluginManifest(parsed.data) : parsed;
}

/**
 * True when `candidate` is a semver version greater than `installed`. An installed version that is
 * not valid semver (a hand-edited manifest) counts as older, so a valid release can replace it.
 */
export function isNewerVersion(candidate: string, installed: string): boolean {
  if (!semver.valid(candidate)) return false;
  return !semver.valid(installed) || semver.gt(candidate, installed);
}
