import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** One problem found in a plugin file, e.g. `{file:"manifest.json", path:"version", message:"not a semver version"}`. */
export interface ValidationIssue {
  file: string;
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T; issues: [] } | { ok: false; issues: ValidationIssue[] };

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

/** Checks `value` against a TypeBox schema and reports every issue with its path in `file`. */
export function checkSchema(schema: TSchema, value: unknown, file: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] };
    if (error.keyword === 'required' && params.requiredProperties) {
      for (const prop of params.requiredProperties) {
        const base = pointerToPath(error.instancePath);
        issues.push({ file, path: base ? `${base}.${prop}` : prop, message: 'is required' });
      }
      continue;
    }
    issues.push({ file, path: pointerToPath(error.instancePath), message: error.message ?? 'is invalid' });
  }
  return issues;
}
