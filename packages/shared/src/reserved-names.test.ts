import { describe, expect, it } from 'vitest';
import { parsePluginManifest, parseUiConfig } from './index.js';
import { RESERVED_API_WORDS, RESERVED_ROUTE_SEGMENTS, reservedNameProblem, reservedRouteProblem } from './reserved-names.js';

describe('reserved names', () => {
  it('holds every management operation and the words the API uses', () => {
    expect(RESERVED_ROUTE_SEGMENTS).toEqual(
      expect.arrayContaining(['load', 'unload', 'reload', 'enable', 'disable', 'manifest', 'page', 'static']),
    );
    expect(RESERVED_API_WORDS).toEqual(
      expect.arrayContaining(['dev', 'registry', 'health', 'upload', 'updates', 'store', 'auth', 'trust', 'actions']),
    );
  });

  it.each(['store', 'auth', 'Health', 'actions'])('refuses %s as a plugin name or prefix', (name) => {
    expect(reservedNameProblem(name)).toMatch(/is a word of the dashboard's API/);
  });

  it('leaves other names alone', () => {
    expect(reservedNameProblem('store_watch')).toBeUndefined();
    expect(reservedNameProblem('notes')).toBeUndefined();
  });

  it.each(['/load', '/disable/now', '//manifest', '/Static/x', '/update-policy'])('refuses a plugin route starting with %s', (route) => {
    expect(reservedRouteProblem(route)).toMatch(/names a management operation/);
  });

  it.each(['/', '/hosts', '/hosts/load', '/loader'])('allows the route %s', (route) => {
    expect(reservedRouteProblem(route)).toBeUndefined();
  });

  it('makes manifest.json with a reserved name and ui.yaml with a reserved prefix invalid', () => {
    const manifest = parsePluginManifest(JSON.stringify({ name: 'store', version: '1.0.0' }));
    expect(manifest.ok).toBe(false);
    expect(manifest.issues).toEqual([
      expect.objectContaining({ path: 'name', message: expect.stringMatching(/word of the dashboard's API/) }),
    ]);
    const ui = parseUiConfig('api_prefix: auth\n');
    expect(ui.ok).toBe(false);
    expect(ui.issues).toEqual([expect.objectContaining({ path: 'api_prefix' })]);
  });
});
