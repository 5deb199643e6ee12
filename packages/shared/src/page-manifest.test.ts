import { describe, expect, it } from 'vitest';
import { negotiatePageManifest, type PluginManifest } from './index.js';

const plugin: PluginManifest = { name: 'my_plugin', version: '1.0.0', capabilities: ['read.my_plugin.hosts', 'exec.my_plugin.scan'] };
const page = (extra = '') => `plugin_id: my_plugin
manifest_version: "1.0"
capabilities: [read.my_plugin.hosts]
page:
  enabled: true
  layout: content-only
  components:
    - { id: hosts, type: data-table, columns: [{ key: host, label: Host }], dataSource: { type: http, endpoint: /api/v1/plugins/my-plugin/hosts, capability: read.my_plugin.hosts } }
${extra}`;

describe('page manifest negotiation', () => {
  it('accepts a valid page manifest as written', () => {
    const result = negotiatePageManifest(page(), plugin);
    expect(result.negotiation).toEqual({ accepted: true, fallback_used: false, reason: 'page manifest accepted', errors: [] });
    expect(result.manifest.page.components[0]?.type).toBe('data-table');
  });

  it('lets unknown component types through for the dashboard to show as unsupported', () => {
    const text = page().replace('components:\n', 'components:\n    - { id: x, type: hologram }\n');
    expect(negotiatePageManifest(text, plugin).negotiation.accepted).toBe(true);
  });

  it("refuses endpoints outside the plugin's own API prefix", () => {
    for (const endpoint of [
      '/api/v1/store/abc/install',
      '/api/v1/plugins/other/x',
      '/api/v1/plugins/my-plugin/../../store',
      'https://evil.example/x',
      '/api/v1/plugins/my-plugin/%2e%2e/x',
    ]) {
      const result = negotiatePageManifest(page().replace('/api/v1/plugins/my-plugin/hosts', endpoint), plugin);
      expect(result.negotiation.fallback_used, endpoint).toBe(true);
      expect(result.negotiation.errors.map((e) => e.path)).toContain('page.components.0.dataSource.endpoint');
    }
  });

  it('uses the api_prefix of ui.yaml for the endpoint rule', () => {
    const text = page().replace('/api/v1/plugins/my-plugin/hosts', '/api/v1/plugins/hosts-api/hosts?all=1');
    expect(negotiatePageManifest(text, plugin).negotiation.accepted).toBe(false);
    expect(negotiatePageManifest(text, plugin, { api_prefix: 'hosts-api' }).negotiation.accepted).toBe(true);
  });

  it('falls back to a disabled page when there is no page manifest', () => {
    const result = negotiatePageManifest(null, plugin);
    expect(result.negotiation).toMatchObject({ accepted: false, fallback_used: true });
    expect(result.manifest.page.enabled).toBe(false);
    expect(result.manifest.plugin_id).toBe('my_plugin');
  });

  it('names the allowed layouts when the layout is unknown', () => {
    const result = negotiatePageManifest(page().replace('content-only', 'sideways'), plugin);
    expect(result.negotiation.errors).toContainEqual({
      file: 'page_manifest.yaml',
      path: 'page.layout',
      message: 'must be one of content-only, with-sidebar, dashboard, split-view',
    });
  });

  it('refuses a page manifest of another plugin', () => {
    const result = negotiatePageManifest(page().replace('plugin_id: my_plugin', 'plugin_id: other'), plugin);
    expect(result.negotiation.errors.map((e) => e.path)).toContain('plugin_id');
  });

  it('says an unknown major version is incompatible', () => {
    const result = negotiatePageManifest(page().replace('"1.0"', '"2.1"'), plugin);
    expect(result.negotiation.accepted).toBe(false);
    expect(result.negotiation.reason).toMatch(/incompatible/);
  });

  it('checks plugin_api_version against the plugin API this dashboard offers (same major, minor no newer)', () => {
    for (const declared of ['1.0', '1', '1.0.0']) {
      expect(negotiatePageManifest(page(`plugin_api_version: "${declared}"`), plugin).negotiation.accepted, declared).toBe(true);
    }
    for (const declared of ['2.0', '1.9', '0.9']) {
      const result = negotiatePageManifest(page(`plugin_api_version: "${declared}"`), plugin);
      expect(result.negotiation, declared).toMatchObject({ accepted: false, fallback_used: true });
      expect(result.negotiation.reason).toMatch(/plugin_api_version is incompatible: written for plugin API/);
      expect(result.negotiation.errors.map((e) => e.path)).toEqual(['plugin_api_version']);
    }
  });

  it('refuses capabilities used below but not declared in the page manifest', () => {
    const result = negotiatePageManifest(
      page('    \n').replace('capability: read.my_plugin.hosts }', 'capability: exec.my_plugin.scan }'),
      plugin,
    );
    expect(result.negotiation.errors.map((e) => e.path)).toContain('page.components.0.dataSource.capability');
  });

  it('refuses page capabilities that manifest.json does not declare', () => {
    const result = negotiatePageManifest(page().replace('[read.my_plugin.hosts]', '[read.my_plugin.hosts, exec.my_plugin.wipe]'), plugin);
    expect(result.negotiation.errors).toContainEqual(expect.objectContaining({ path: 'capabilities.1' }));
  });

  it('refuses a custom renderer without an enabled bundle, and a bundle entry outside the plugin', () => {
    const custom = page('frontend: { renderer: custom, customBundle: { enabled: false, entry: ../x.js, integrity: "sha384-abc" } }');
    const paths = negotiatePageManifest(custom, plugin).negotiation.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['frontend.customBundle', 'frontend.customBundle.entry']));
  });

  it('reports YAML syntax errors instead of throwing', () => {
    const result = negotiatePageManifest('page: [', plugin);
    expect(result.negotiation.errors[0]?.message).toMatch(/not valid YAML/);
  });
});
