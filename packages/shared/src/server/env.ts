import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Static, TObject, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parseOriginList } from '../cross-site.js';

/** A setting in the environment that the service cannot start with; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `NAME="value": problem`, the one form every refused setting is reported in. */
export function envError(name: string, raw: string | undefined, problem: string): ConfigError {
  return new ConfigError(raw === undefined ? `${name}: ${problem}` : `${name}=${JSON.stringify(raw)}: ${problem}`);
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/**
 * Environment variables are strings; turn one into the schema's type where it reads as one, and
 * leave it a string otherwise so the schema check refuses it. `Number` (not TypeBox's own
 * conversion) because that one truncates "1.5" into a valid integer.
 */
function convert(schema: TSchema, raw: string): unknown {
  const type = (schema as { type?: unknown }).type;
  if (type === 'number' || type === 'integer') {
    const value = Number(raw);
    return raw !== '' && Number.isFinite(value) ? value : raw;
  }
  if (type === 'boolean') {
    const word = raw.toLowerCase();
    return TRUE.includes(word) ? true : FALSE.includes(word) ? false : raw;
  }
  return raw;
}

/** TypeBox's message, except where a list of the accepted words says more. */
function problemOf(schema: TSchema, message: string): string {
  const { type, anyOf } = schema as { type?: unknown; anyOf?: Array<{ const?: unknown }> };
  if (type === 'boolean') return `must be one of ${[...TRUE, ...FALSE].join(', ')}`;
  if (anyOf?.every((option) => option.const !== undefined))
    return `must be one of ${anyOf.map((option) => String(option.const)).join(', ')}`;
  return message;
}

/**
 * Reads the variables `schema` lists from `env`, once, into its typed object: each value trimmed
 * and converted to its property's type, a blank one counted as unset so the property's `default`
 * applies (a property with `keepEmpty: true` keeps '' as a value of its own). Anything the schema
 * refuses throws a ConfigError naming every wrong variable.
 */
export function parseEnv<T extends TObject>(schema: T, env: NodeJS.ProcessEnv): Static<T> {
  const raw: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const value = env[name]?.trim();
    if (value === undefined || (value === '' && (property as { keepEmpty?: boolean }).keepEmpty !== true)) continue;
    raw[name] = value;
    values[name] = convert(property, value);
  }
  const parsed = Value.Default(schema, values);
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, parsed)) {
    const name = error.instancePath.replace(/^\//, '');
    const property = (schema.properties as Record<string, TSchema>)[name];
    if (property && !problems.has(name)) problems.set(name, envError(name, raw[name], problemOf(property, error.message)).message);
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()].join('; '));
  return parsed as Static<T>;
}

/** The version in the package.json of the package whose root is `packageRoot`. */
export function packageVersion(packageRoot: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** A comma-separated origin list (OKO_ALLOWED_ORIGINS, OKO_STORE_ALLOWED_ORIGINS), refused as a ConfigError. */
export function originList(raw: string | undefined, name: string): string[] {
  try {
    return parseOriginList(raw, name);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
