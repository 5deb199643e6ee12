/**
 * Reads `a.b.0.c` out of a JSON value. An empty path is the value itself, as a manifest
 * without `response_path` means "the answer is the array".
 */
export function valueAt(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    // Own properties only: a path like `__proto__.x` must not walk into the prototype.
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A cell value as text: objects as compact JSON, nothing as an em dash. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
