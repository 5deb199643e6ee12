import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendEnv, ConfigError, loadConfig } from './config.js';

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
      allowedHosts: [],
      logLevel: 'info',
    });
  });

  it('knows the names in OKO_ALLOWED_HOSTS and a listen address that is a name', () => {
    expect(loadConfig({ OKO_ALLOWED_HOSTS: 'Dash.Example:8000, .corp.example' }).allowedHosts).toEqual(['dash.example', '.corp.example']);
    expect(loadConfig({ OKO_HOST: 'dashboard.lan', OKO_ALLOWED_HOSTS: 'x.example' }).allowedHosts).toEqual(['dashboard.lan', 'x.example']);
    expect(loadConfig({ OKO_HOST: '0.0.0.0' }).allowedHosts).toEqual([]);
    expect(() => loadConfig({ OKO_ALLOWED_HOSTS: 'http://dash.example/' })).toThrow(ConfigError);
    expect(() => loadConfig({ OKO_ALLOWED_HOSTS: 'http://dash.example/' })).toThrow(/OKO_ALLOWED_HOSTS/);
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
      OKO_STORE_TOKEN: 'dashboard-token',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      pluginsDir: '/srv/plugins',
      dataDir: '/srv/data',
      pluginLoadTimeoutMs: 2500,
      storeUrl: 'http://store:8001/api/v1',
      storeApiKey: 'k',
      storeToken: 'dashboard-token',
    });
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
    ['OKO_PLUGIN_CALL_TIMEOUT_MS', '99'],
    ['OKO_PLUGIN_RESTART_BACKOFF_MS', '5'],
    ['OKO_PLUGIN_QUARANTINE_WINDOW_S', '0'],
    ['OKO_PLUGIN_QUARANTINE_CRASHES', '11'],
    ['OKO_STORE_TIMEOUT_MS', '0'],
    ['OKO_STORE_MAX_UPLOAD_MB', 'lots'],
    ['OKO_ALLOWED_ORIGINS', 'not-an-origin'],
    ['OKO_ALLOWED_HOSTS', 'https://x.example/'],
    ['OKO_STORE_MAX_PACKAGE_MB', '0'],
    ['OKO_LOG_LEVEL', 'loud'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses an OKO_STORE_URL that is not an absolute URL', () => {
    expect(() => loadConfig({ OKO_STORE_URL: 'not a url' })).toThrow('OKO_STORE_URL');
  });

  it('reads the store integration settings in the same pass', () => {
    expect(loadConfig({}).storeIntegration).toEqual({
      timeoutMs: 3000,
      transferIdleTimeoutMs: 30_000,
      maxUploadBytes: 100 * 1024 * 1024,
      maxPackageBytes: 100 * 1024 * 1024,
      downloadTimeoutMs: 600_000,
      maxAnswerBytes: 16 * 1024 * 1024,
      catalogRevalidateMs: 500,
    });
    expect(loadConfig({ OKO_STORE_TIMEOUT_MS: '500', OKO_STORE_MAX_UPLOAD_MB: '5' }).storeIntegration).toMatchObject({
      timeoutMs: 500,
      maxUploadBytes: 5 * 1024 * 1024,
    });
  });

  it('takes a blank variable as unset, so its default applies', () => {
    expect(loadConfig({ OKO_PORT: '', OKO_HOST: ' ', OKO_STORE_API_KEY: '', OKO_LOG_LEVEL: '' })).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      storeApiKey: undefined,
      logLevel: 'info',
    });
  });

  it('reads the crash rule settings, defaulting to 1 s doubling and 3 deaths in 10 minutes', () => {
    expect(loadConfig({})).toMatchObject({ pluginRestartBackoffMs: 1000, pluginQuarantineWindowS: 600, pluginQuarantineCrashes: 3 });
    expect(
      loadConfig({ OKO_PLUGIN_RESTART_BACKOFF_MS: '50', OKO_PLUGIN_QUARANTINE_WINDOW_S: '30', OKO_PLUGIN_QUARANTINE_CRASHES: '1' }),
    ).toMatchObject({ pluginRestartBackoffMs: 50, pluginQuarantineWindowS: 30, pluginQuarantineCrashes: 1 });
  });

  it('reads the remaining variables', () => {
    const config = loadConfig({
      OKO_PLUGIN_CALL_TIMEOUT_MS: '1000',
      OKO_PLUGIN_MEMORY_MB: '64',
      OKO_FRONTEND_DIR: '/srv/ui',
      OKO_ALLOWED_ORIGINS: 'https://ui.example',
      OKO_LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      pluginCallTimeoutMs: 1000,
      pluginMemoryMb: 64,
      frontendDir: '/srv/ui',
      allowedOrigins: ['https://ui.example'],
      logLevel: 'warn',
    });
  });

  it('reads the sandbox settings, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({ pluginRssLimitMb: 512, pluginMemoryCheckMs: 500, pluginUser: 'nobody', pluginDeniedPaths: [] });
    const config = loadConfig({
      OKO_PLUGIN_RSS_LIMIT_MB: '300',
      OKO_PLUGIN_MEMORY_CHECK_MS: '250',
      OKO_PLUGIN_USER: 'plugins',
      OKO_PLUGIN_DENIED_PATHS: '/srv/store-data, relative/dir,',
    });
    expect(config).toMatchObject({
      pluginRssLimitMb: 300,
      pluginMemoryCheckMs: 250,
      pluginUser: 'plugins',
      pluginDeniedPaths: ['/srv/store-data', path.resolve('relative/dir')],
    });
    expect(() => loadConfig({ OKO_PLUGIN_RSS_LIMIT_MB: '8' })).toThrow(/OKO_PLUGIN_RSS_LIMIT_MB/);
  });

  it('reads the update health window: 30 s by default, 0 turns watching off, negative refused', () => {
    expect(loadConfig({}).updateHealthWindowS).toBe(30);
    expect(loadConfig({ OKO_UPDATE_HEALTH_WINDOW_S: '2' }).updateHealthWindowS).toBe(2);
    expect(loadConfig({ OKO_UPDATE_HEALTH_WINDOW_S: '0' }).updateHealthWindowS).toBe(0);
    expect(() => loadConfig({ OKO_UPDATE_HEALTH_WINDOW_S: '-1' })).toThrow(/OKO_UPDATE_HEALTH_WINDOW_S/);
  });

  it('reads OKO_DEV_PLUGINS as true, false or unset, and puts development plugins under the data folder by default', () => {
    expect(loadConfig({ OKO_DATA_DIR: '/srv/data' })).toMatchObject({ devPlugins: undefined, devPluginsDir: '/srv/data/dev-plugins' });
    expect(loadConfig({ OKO_DEV_PLUGINS: 'true', OKO_DEV_PLUGINS_DIR: '/srv/dev' })).toMatchObject({
      devPlugins: true,
      devPluginsDir: '/srv/dev',
    });
    expect(loadConfig({ OKO_DEV_PLUGINS: 'off' }).devPlugins).toBe(false);
    expect(() => loadConfig({ OKO_DEV_PLUGINS: 'sometimes' })).toThrow(/OKO_DEV_PLUGINS/);
  });

  // The folder is emptied at every start: pointed at the data folder (or a folder holding it, or the
  // plugins folder) by mistake, a restart would delete accounts, grants and installed plugins.
  it('refuses an OKO_DEV_PLUGINS_DIR that is, holds or lies in a folder it must not empty or be scanned as', () => {
    const folders = { OKO_DATA_DIR: '/srv/oko/data', OKO_PLUGINS_DIR: '/srv/oko/plugins', OKO_BUILTIN_PLUGINS_DIR: '/srv/oko/builtin' };
    for (const dir of ['/srv/oko/data', '/srv/oko', '/', '/srv/oko/plugins', '/srv/oko/plugins/dev', '/srv/oko/builtin/dev']) {
      expect(() => loadConfig({ ...folders, OKO_DEV_PLUGINS_DIR: dir }), dir).toThrow(/OKO_DEV_PLUGINS_DIR/);
    }
    expect(loadConfig({ ...folders, OKO_DEV_PLUGINS_DIR: '/srv/oko/data/dev' }).devPluginsDir).toBe('/srv/oko/data/dev');
    expect(loadConfig({ ...folders, OKO_DEV_PLUGINS_DIR: '/srv/oko/dev' }).devPluginsDir).toBe('/srv/oko/dev');
  });

  it('lists every variable it reads in its schema', () => {
    expect(Object.keys(BackendEnv.properties).sort()).toEqual([
      'OKO_ADMIN_PASSWORD',
      'OKO_ADMIN_USER',
      'OKO_ALLOWED_HOSTS',
      'OKO_ALLOWED_ORIGINS',
      'OKO_AUTH',
      'OKO_BUILTIN_PLUGINS_DIR',
      'OKO_DATA_DIR',
      'OKO_DEV_PLUGINS',
      'OKO_DEV_PLUGINS_DIR',
      'OKO_FRONTEND_DIR',
      'OKO_HOST',
      'OKO_LOG_LEVEL',
      'OKO_PLUGINS_DIR',
      'OKO_PLUGIN_CALL_TIMEOUT_MS',
      'OKO_PLUGIN_DENIED_PATHS',
      'OKO_PLUGIN_LOAD_TIMEOUT_MS',
      'OKO_PLUGIN_MEMORY_CHECK_MS',
      'OKO_PLUGIN_MEMORY_MB',
      'OKO_PLUGIN_QUARANTINE_CRASHES',
      'OKO_PLUGIN_QUARANTINE_WINDOW_S',
      'OKO_PLUGIN_RESTART_BACKOFF_MS',
      'OKO_PLUGIN_RSS_LIMIT_MB',
      'OKO_PLUGIN_USER',
      'OKO_PORT',
      'OKO_SESSION_TTL_H',
      'OKO_SIGNATURE_POLICY',
      'OKO_STORE_API_KEY',
      'OKO_STORE_CATALOG_REVALIDATE_MS',
      'OKO_STORE_DOWNLOAD_TIMEOUT_MS',
      'OKO_STORE_MAX_ANSWER_MB',
      'OKO_STORE_MAX_PACKAGE_MB',
      'OKO_STORE_MAX_UPLOAD_MB',
      'OKO_STORE_TIMEOUT_MS',
      'OKO_STORE_TOKEN',
      'OKO_STORE_TRANSFER_TIMEOUT_MS',
      'OKO_STORE_URL',
      'OKO_TRUSTED_KEYS',
      'OKO_UPDATE_CHECK_INTERVAL_S',
      'OKO_UPDATE_HEALTH_WINDOW_S',
    ]);
  });

  it('reads the signature policy (default warn, refusing other words) and the trusted keys folder (resolved; empty = none)', () => {
    expect(loadConfig({}).trust).toEqual({ trustedKeysDir: null, signaturePolicy: 'warn' });
    expect(loadConfig({ OKO_SIGNATURE_POLICY: 'require', OKO_TRUSTED_KEYS: 'keys' }).trust).toEqual({
      trustedKeysDir: path.resolve('keys'),
      signaturePolicy: 'require',
    });
    expect(loadConfig({ OKO_TRUSTED_KEYS: '' }).trust.trustedKeysDir).toBeNull();
    expect(() => loadConfig({ OKO_SIGNATURE_POLICY: 'strict' })).toThrow('OKO_SIGNATURE_POLICY');
  });

  it('reads the sign-in settings: OKO_AUTH (default auto), the first admin, the session lifetime in hours', () => {
    expect(loadConfig({}).auth).toEqual({ setting: 'auto', initialAdmin: null, sessionTtlMs: 12 * 3_600_000 });
    expect(loadConfig({ OKO_AUTH: 'on', OKO_ADMIN_PASSWORD: 'long-enough-pw', OKO_SESSION_TTL_H: '0.5' }).auth).toEqual({
      setting: 'on',
      initialAdmin: { username: 'admin', password: 'long-enough-pw' },
      sessionTtlMs: 1_800_000,
    });
    expect(() => loadConfig({ OKO_AUTH: 'maybe' })).toThrow('OKO_AUTH');
    expect(() => loadConfig({ OKO_ADMIN_PASSWORD: 'short' })).toThrow('OKO_ADMIN_PASSWORD');
    expect(() => loadConfig({ OKO_ADMIN_USER: 'Not A Name', OKO_ADMIN_PASSWORD: 'long-enough-pw' })).toThrow('OKO_ADMIN_USER');
    expect(() => loadConfig({ OKO_SESSION_TTL_H: '0' })).toThrow('OKO_SESSION_TTL_H');
  });

  it('reads OKO_UPDATE_CHECK_INTERVAL_S: hourly by default, 0 turns the update policy check off, a bad value names the variable', () => {
    expect(loadConfig({}).updateCheckIntervalS).toBe(3600);
    expect(loadConfig({ OKO_UPDATE_CHECK_INTERVAL_S: '0' }).updateCheckIntervalS).toBe(0);
    expect(loadConfig({ OKO_UPDATE_CHECK_INTERVAL_S: '1' }).updateCheckIntervalS).toBe(1);
    for (const bad of ['-1', '1.5', 'hourly', '604801']) {
      expect(() => loadConfig({ OKO_UPDATE_CHECK_INTERVAL_S: bad })).toThrow(/OKO_UPDATE_CHECK_INTERVAL_S/);
    }
  });
});
