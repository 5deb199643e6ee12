import { describe, expect, it } from 'vitest';
import { formatIssues, isSafeRelativePath, isValidPluginName, parsePluginManifest, parseUiConfig, apiPrefixOf } from './index.js';

describe('plugin manifest schema', () => {
  it('accepts a complete manifest', () => {
    const result = parsePluginManifest(
      JSON.stringify({ name: 'my_plugin', version: '1.0.0', capabilities: ['exec.my_plugin.action'], tags: ['net'] }),
    );
    expect(result.ok).toBe(true);
  });

  it('reports every problem with its file and field', () => {
    const result = parsePluginManifest(JSON.stringify({ name: 'Bad-Name', version: '1.0', capabilities: ['nope'] }));
    expect(result.ok).toBe(false);
    const text = formatIssues(result.issues);
    expect(text).toContain('manifest.json: name:');
    expect(text).toContain('manifest.json: version: not a semver version');
    expect(text).toContain('manifest.json: capabilities.0:');
  });

  it('names missing required fields', () => {
    const result = parsePluginManifest('{}');
    expect(result.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'version']));
  });

  it('reports broken JSON instead of throwing', () => {
    const result = parsePluginManifest('{"name": ');
    expect(result.ok).toBe(false);
    expect(formatIssues(result.issues)).toMatch(/manifest.json: not valid JSON/);
  });

  it('refuses a main file outside the plugin folder', () => {
    const result = parsePluginManifest(JSON.stringify({ name: 'ab', version: '1.0.0', main: '../evil.js' }));
    expect(formatIssues(result.issues)).toContain('manifest.json: main:');
  });
});

describe('plugin names and paths', () => {
  it.each(['..', 'a/b', 'Upper', 'x', 'a'.repeat(65), '1abc', ''])('rejects %j as a plugin name', (name) => {
    expect(isValidPluginName(name)).toBe(false);
  });
  it('accepts lower-case names with digits and underscores', () => {
    expect(isValidPluginName('net_probe2')).toBe(true);
  });
  it.each(['../x', '/etc/passwd', 'a\\b', 'C:/x', 'a//b'])('treats %j as unsafe', (p) => {
    expect(isSafeRelativePath(p)).toBe(false);
  });
});

describe('ui.yaml schema', () => {
  it('parses every manifest.json key and derives the api prefix', () => {
    const result = parseUiConfig('has_page: true\nshow_in_menu: true\nmenu_order: 3\n');
    expect(result.ok).toBe(true);
    expect(apiPrefixOf('my_plugin', result.ok ? result.value : null)).toBe('my-plugin');
  });
  it('reports wrong types with their path', () => {
    const result = parseUiConfig('has_page: "yes"\nmenu_order: first\n');
    expect(formatIssues(result.issues)).toContain('ui.yaml: has_page:');
    expect(formatIssues(result.issues)).toContain('ui.yaml: menu_order:');
  });
  it('reports YAML syntax errors', () => {
    expect(parseUiConfig('a: [1, 2').ok).toBe(false);
  });
});
