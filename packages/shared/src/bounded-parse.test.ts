import { describe, expect, it } from 'vitest';
import { METADATA_MAX_BYTES, METADATA_MAX_DEPTH, parseBoundedJson, parseBoundedYaml, parsedDataIssue } from './bounded-parse.js';
import { negotiatePageManifest, parsePluginManifest, parseUiConfig } from './index.js';

const nestedJson = (depth: number) => `{"name":"deep_plugin","version":"1.0.0","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

describe('manifest.json bounds', () => {
  it('refuses a duplicate key instead of keeping the last one', () => {
    const result = parsePluginManifest('{"name":"a34","version":"1.0.0","name":"notes"}');
    expect(result).toEqual({ ok: false, issues: [{ file: 'manifest.json', path: 'name', message: "duplicate key 'name'" }] });
  });

  it('finds a duplicate written with an escape, and names its path', () => {
    const result = parsePluginManifest('{"name":"a","version":"1.0.0","tags":[],"x":[{"k":1},{"k":1,"\\u006b":2}]}');
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([{ file: 'manifest.json', path: 'x.1.k', message: "duplicate key 'k'" }]);
  });

  it('does not take keys in strings or in sibling objects for duplicates', () => {
    const text = '{"name":"ok_plugin","version":"1.0.0","a":{"name":"x"},"b":{"name":"y"},"description":"\\"name\\": 1, {"}';
    expect(parsePluginManifest(text).ok).toBe(true);
  });

  it.each([6_000, 30_000])('refuses a manifest nested %i deep as an issue, never a stack overflow', (depth) => {
    const result = parsePluginManifest(nestedJson(depth));
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.message).toBe(`is nested more than ${METADATA_MAX_DEPTH} levels deep`);
  });

  it('accepts the deepest allowed nesting and refuses one more', () => {
    // The manifest object is level 1, so x holds at most 31 more.
    expect(parsePluginManifest(nestedJson(METADATA_MAX_DEPTH - 1)).ok).toBe(true);
    expect(parsePluginManifest(nestedJson(METADATA_MAX_DEPTH)).ok).toBe(false);
  });

  it('refuses a manifest larger than the bound', () => {
    const result = parsePluginManifest(JSON.stringify({ name: 'big_plugin', version: '1.0.0', x: 'a'.repeat(METADATA_MAX_BYTES) }));
    expect(result.issues[0]?.message).toBe(`is larger than ${METADATA_MAX_BYTES} bytes`);
  });

  it('still reports invalid JSON as such', () => {
    expect(parseBoundedJson('{"a":', 'manifest.json')).toMatchObject({ ok: false, issues: [{ message: /not valid JSON/ }] });
  });
});

describe('ui.yaml and page_manifest.yaml bounds', () => {
  it('refuses any alias, so 99 of them cannot expand a small file into megabytes', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 100; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}]`);
    const result = parseUiConfig(lines.join('\n'));
    expect(result).toEqual({ ok: false, issues: [{ file: 'ui.yaml', path: '', message: 'YAML aliases (*name) are not allowed' }] });
  });

  it.each([
    // 30,000 nested flow sequences used to exhaust memory inside the yaml package and end the process.
    ['flow', `x: ${'['.repeat(30_000)}${']'.repeat(30_000)}`],
    // Indentation grows with depth, so 300 levels is what fits in 64 KB.
    ['block', ['x:', ...Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 1)}k:`)].join('\n')],
    ['sequence', `${'- '.repeat(30_000)}x`],
  ])('refuses deep %s nesting without handing it to the recursive composer', (_kind, text) => {
    expect(text.length).toBeLessThanOrEqual(METADATA_MAX_BYTES);
    expect(parseBoundedYaml(text, 'ui.yaml')).toEqual({
      ok: false,
      issues: [{ file: 'ui.yaml', path: '', message: `is nested more than ${METADATA_MAX_DEPTH} levels deep` }],
    });
  });

  it('accepts ordinary nesting', () => {
    expect(parseBoundedYaml('a:\n  b:\n    - { c: [1, 2] }\n', 'ui.yaml')).toEqual({ ok: true, data: { a: { b: [{ c: [1, 2] }] } } });
  });

  it('gives a too-deep page manifest the fallback page with the reason', () => {
    const text = `plugin_id: p\nmanifest_version: "1.0"\npage: ${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const { negotiation } = negotiatePageManifest(text, { name: 'p1', version: '1.0.0' });
    expect(negotiation.fallback_used).toBe(true);
    expect(negotiation.errors[0]?.message).toBe(`is nested more than ${METADATA_MAX_DEPTH} levels deep`);
  });
});

describe('parsed data bound', () => {
  it('stops at the size bound even when one object is shared many times over', () => {
    let shared: unknown = ['x'.repeat(100)];
    for (let i = 0; i < 20; i++) shared = [shared, shared];
    expect(parsedDataIssue({ shared }, 'ui.yaml')?.message).toBe(`is larger than ${METADATA_MAX_BYTES} bytes once parsed`);
  });
});
