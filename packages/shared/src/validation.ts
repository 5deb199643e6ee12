import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** One problem found in a plugin file, e.g. `{file:"manifest.json", path:"version", message:"not a semver version"}`. */
export interface ValidationIssue {
  file: string;
  path: string;
  message: string;
}

/**
 * `warnings` are problems that do not refuse the file (a deprecated field): tools show them, the
 * package is still accepted.
 */
export type ValidationResult<T> =
  { ok: true; value: T; issues: []; warnings?: ValidationIssue[] } | { ok: false; issues: ValidationIssue[]; warnings?: ValidationIssue[] };

/** `manifest.json: version: not a semver version` — the form every tool prints. */
export function formatIssue(issue: ValidationIssue): string {
  return issue.path ? `${issue.file}: ${issue.path}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

type SchemaError = { keyword: string; schemaPath: string; instancePath: string; params: unknown; message?: string };

/**
 * A value outside a list of words fails every branch of a union: TypeBox reports one "must be equal
 * to constant" per branch plus an "anyOf" line. Those read as one problem: "must be one of a, b".
 */
function allowedValuesOf(error: SchemaError, all: readonly SchemaError[]): string[] | null {
  if (error.keyword === 'enum') return ((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String);
  if (error.keyword !== 'anyOf') return null;
  const branches = all.filter((e) => e.schemaPath.startsWith(`${error.schemaPath}/anyOf/`));
  if (branches.length === 0 || !branches.every((e) => e.keyword === 'const')) return null;
  return branches.map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
}

function isUnionBranch(error: SchemaError, all: readonly SchemaError[]): boolean {
  return all.some(
    (e) => e.keyword === 'anyOf' && error.schemaPath.startsWith(`${e.schemaPath}/anyOf/`) && allowedValuesOf(e, all) !== null,
  );
}

/** Checks `value` against a TypeBox schema and reports every issue with its path in `file`. */
export function checkSchema(schema: TSchema, value: unknown, file: string): ValidationIssue[] {
  const errors = [...Value.Errors(schema, value)] as SchemaError[];
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const base = pointerToPath(error.instancePath);
    const params = error.params as { requiredProperties?: string[] };
    if (error.keyword === 'required' && params.requiredProperties) {
      for (const prop of params.requiredProperties) issues.push({ file, path: base ? `${base}.${prop}` : prop, message: 'is required' });
      continue;
    }
    if (isUnionBranch(error, errors)) continue;
    const allowed = allowedValuesOf(error, errors);
    issues.push({ file, path: base, message: allowed ? `must be one of ${allowed.join(', ')}` : (error.message ?? 'is invalid') });
  }
  return issues;
}
