import { describe, expect, it } from 'vitest';
import { engineProblem, formatIssues, hasCatalogIdShape, pageApiProblem, parsePluginManifest, PLUGIN_API_VERSION } from './index.js';

const manifest = (extra: object) => parsePluginManifest(JSON.stringify({ name: 'my_plugin', version: '1.0.0', ...extra }));

describe('plugin API version checks', () => {
  it('accepts what the dashboard offers and refuses what it does not', () => {
    expect(engineProblem(undefined)).toBeUndefined();
    expect(engineProblem('>=1.0.0 <2')).toBeUndefined();
    expect(engineProblem('^1.0.0', '1.3.0')).toBeUndefined();
    expect(engineProblem('>=2.0.0')).toContain(`this dashboard offers ${PLUGIN_API_VERSION}`);
    expect(engineProblem('^1.4.0', '1.3.0')).toContain('needs OKO plugin API ^1.4.0');
    expect(engineProblem('not a range')).toContain('not a semver range');
  });

  it('reads a page manifest version as same major, no newer minor', () => {
    expect(pageApiProblem(undefined)).toBeUndefined();
    expect(pageApiProblem('1.0', '1.0.0')).toBeUndefined();
    expect(pageApiProblem('1.0', '1.2.0')).toBeUndefined();
    expect(pageApiProblem('1.3', '1.2.0')).toContain('written for plugin API 1.3');
    expect(pageApiProblem('2', '1.2.0')).toContain('written for plugin API 2');
    expect(pageApiProblem('banana')).toContain('not a version');
  });
});

describe('manifest engines and dependencies', () => {
  it('accepts ranges', () => {
    expect(manifest({ engines: { oko: '>=1.0.0 <2' }, dependencies: { chart_lib: '^1.2.0', other: '~2.0.0 || 3.x' } }).ok).toBe(true);
  });

  it('names a bad range, a bad dependency name and a plugin depending on itself', () => {
    const result = manifest({ engines: { oko: 'one' }, dependencies: { 'Bad-Name': '^1', my_plugin: '^1.0.0', ok_lib: 'soon' } });
    expect(result.ok).toBe(false);
    const text = formatIssues(result.issues);
    expect(text).toContain("manifest.json: engines/oko: 'one' is not a semver range");
    expect(text).toContain('manifest.json: dependencies/my_plugin: a plugin cannot depend on itself');
    expect(text).toContain("manifest.json: dependencies/ok_lib: 'soon' is not a semver range");
    expect(text).toContain('manifest.json: dependencies/Bad-Name: not a plugin name');
  });

  it('refuses a name with the shape of a catalog id, so a path segment is never both', () => {
    expect(hasCatalogIdShape('abcdef012345')).toBe(true);
    expect(hasCatalogIdShape('abcdeg012345')).toBe(false);
    const result = parsePluginManifest(JSON.stringify({ name: 'abcdef012345', version: '1.0.0' }));
    expect(result.ok).toBe(false);
    expect(formatIssues(result.issues)).toContain('manifest.json: name: has the shape of a store catalog id');
    expect(parsePluginManifest(JSON.stringify({ name: 'abcdef_12345', version: '1.0.0' })).ok).toBe(true);
  });
});
