import { parse as parseYaml, Parser as YamlParser } from 'yaml';
import type { ValidationIssue } from './validation.js';

/**
 * Bounds on a plugin's metadata files (manifest.json, ui.yaml, page_manifest.yaml). Each is copied
 * into the store's catalog or served to every dashboard, so a few KB of nesting or YAML aliases
 * must not become megabytes there, and nothing deeper than any real file may reach the recursive
 * code (YAML composer, schema checks, JSON.stringify) that overflows the stack on it.
 */
export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_MAX_DEPTH = 32;

export type BoundedParse = { ok: true; data: unknown } | { ok: false; issues: ValidationIssue[] };

function failed(file: string, message: string, path = ''): BoundedParse {
  return { ok: false, issues: [{ file, path, message }] };
}

const tooDeep = `is nested more than ${METADATA_MAX_DEPTH} levels deep`;

function textTooLarge(text: string): boolean {
  // Cheap test first (UTF-8 never has fewer bytes than UTF-16 units); TextEncoder, not Buffer: this runs in the browser too.
  return text.length > METADATA_MAX_BYTES || new TextEncoder().encode(text).length > METADATA_MAX_BYTES;
}

interface JsonFrame {
  object: boolean;
  keys: Set<string>;
  expectKey: boolean;
  lastKey: string;
  index: number;
  path: string;
}

/**
 * One pass over JSON text, without recursion: refuses nesting deeper than the bound before
 * JSON.parse builds anything, and finds duplicate keys, which JSON.parse silently resolves to the
 * last one (`"name":"a","name":"notes"` would take another plugin's name). Invalid JSON is left
 * for JSON.parse to report.
 */
export function scanJsonText(text: string, file: string): ValidationIssue[] {
  const stack: JsonFrame[] = [];
  const issues: ValidationIssue[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const top = stack[stack.length - 1];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top?.object && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return issues;
        }
        const where = top.path ? `${top.path}.${key}` : key;
        if (top.keys.has(key)) issues.push({ file, path: where, message: `duplicate key '${key}'` });
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      if (stack.length >= METADATA_MAX_DEPTH) return [{ file, path: '', message: tooDeep }];
      const label = top ? (top.object ? top.lastKey : String(top.index)) : '';
      const path = top?.path ? `${top.path}.${label}` : label;
      stack.push({ object: char === '{', keys: new Set(), expectKey: true, lastKey: '', index: 0, path });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && top) {
      if (top.object) top.expectKey = true;
      else top.index++;
    }
  }
  return issues;
}

type CstNode = { type?: string; value?: unknown; items?: Array<{ key?: unknown; value?: unknown }> };
const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Walks YAML's concrete syntax tree, which its parser builds without recursion, before the
 * (recursive) composer sees the text: nesting past the bound is refused, and so is any alias,
 * since a few aliases can expand a small file into megabytes.
 */
export function scanYamlText(text: string, file: string): ValidationIssue[] {
  for (const token of new YamlParser().parse(text)) {
    const stack: Array<[CstNode, number]> = [[token as CstNode, 0]];
    while (stack.length > 0) {
      const [node, parentDepth] = stack.pop()!;
      if (node.type === 'alias') return [{ file, path: '', message: 'YAML aliases (*name) are not allowed' }];
      const depth = node.type !== undefined && COLLECTIONS.has(node.type) ? parentDepth + 1 : parentDepth;
      if (depth > METADATA_MAX_DEPTH) return [{ file, path: '', message: tooDeep }];
      if (node.type === 'document' && node.value) stack.push([node.value as CstNode, depth]);
      for (const item of node.items ?? []) {
        if (item.key && typeof item.key === 'object') stack.push([item.key as CstNode, depth]);
        if (item.value && typeof item.value === 'object') stack.push([item.value as CstNode, depth]);
      }
    }
  }
  return [];
}

/**
 * Size (as compact JSON, roughly) and depth of parsed data, without recursion. Stops as soon as a
 * bound is passed, so the work is bounded too: every node visited adds at least one byte.
 */
export function parsedDataIssue(data: unknown, file: string): ValidationIssue | null {
  let size = 0;
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') size += value.length + 2;
    else if (value === null || typeof value !== 'object') size += String(value).length;
    else {
      if (depth + 1 > METADATA_MAX_DEPTH) return { file, path: '', message: tooDeep };
      const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
      size += 2;
      for (const [key, child] of entries) {
        size += key.length + 3;
        stack.push([child, depth + 1]);
      }
    }
    if (size > METADATA_MAX_BYTES) return { file, path: '', message: `is larger than ${METADATA_MAX_BYTES} bytes once parsed` };
  }
  return null;
}

function sizeProblem(text: string): string | null {
  return textTooLarge(text) ? `is larger than ${METADATA_MAX_BYTES} bytes` : null;
}

/** JSON.parse within the metadata bounds, refusing duplicate keys; never throws. */
export function parseBoundedJson(text: string, file: string): BoundedParse {
  const large = sizeProblem(text);
  if (large) return failed(file, large);
  const scanned = scanJsonText(text, file);
  if (scanned.length > 0 && scanned[0]?.message === tooDeep) return { ok: false, issues: scanned };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failed(file, `not valid JSON (${(error as Error).message})`);
  }
  if (scanned.length > 0) return { ok: false, issues: scanned };
  const issue = parsedDataIssue(data, file);
  return issue ? { ok: false, issues: [issue] } : { ok: true, data };
}

/** YAML parse within the metadata bounds, with no aliases; never throws. */
export function parseBoundedYaml(text: string, file: string): BoundedParse {
  const large = sizeProblem(text);
  if (large) return failed(file, large);
  let data: unknown;
  try {
    const scanned = scanYamlText(text, file);
    if (scanned.length > 0) return { ok: false, issues: scanned };
    data = parseYaml(text, { maxAliasCount: 0 });
  } catch (error) {
    return failed(file, `not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const issue = parsedDataIssue(data, file);
  return issue ? { ok: false, issues: [issue] } : { ok: true, data };
}
