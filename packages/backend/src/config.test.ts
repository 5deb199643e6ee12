import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('backend config from env', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      pluginsDir: path.resolve('./data/plugins'),
      dataDir: path.resolve('./data/backend'),
      pluginLoadTimeoutMs: 10_000,
      pluginCallTimeoutMs: 30_000,
      pluginMemoryMb: 256,
      storeUrl: 'http://127.0.0.1:8001/api/v1',
      storeApiKey: undefined,
      allowedOrigins: [],
      logLevel: 'info',
    });
  });

  it('reads OKO_HOST, OKO_PORT, the folders and the plugin bounds', () => {
    const config = loadConfig({
      OKO_HOST: '0.0.0.0',
      OKO_PORT: '0',
      OKO_PLUGINS_DIR: '/srv/plugins',
      OKO_DATA_DIR: '/srv/data',
      OKO_PLUGIN_LOAD_TIMEOUT_MS: '2500',
      OKO_STORE_URL: 'http://store:8001/api/v1/',
      OKO_STORE_API_KEY: 'k',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 0, pluginsDir: '/srv/plugins', dataDir: '/srv/data', pluginLoadTimeoutMs: 2500, storeUrl: 'http://store:8001/api/v1', storeApiKey: 'k' });
  });

  it('turns builtin plugins off with an empty OKO_BUILTIN_PLUGINS_DIR', () => {
    expect(loadConfig({ OKO_BUILTIN_PLUGINS_DIR: '' }).builtinPluginsDir).toBeNull();
    expect(loadConfig({ OKO_BUILTIN_PLUGINS_DIR: '/opt/builtin' }).builtinPluginsDir).toBe('/opt/builtin');
  });

  it.each([
    ['OKO_PORT', '80000'],
    ['OKO_PORT', 'http'],
    ['OKO_PLUGIN_LOAD_TIMEOUT_MS', '1.5'],
    ['OKO_PLUGIN_MEMORY_MB', '1'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses an OKO_STORE_URL that is not an absolute URL', () => {
    expect(() => loadConfig({ OKO_STORE_URL: 'not a url' })).toThrow('OKO_STORE_URL');
  });
});
