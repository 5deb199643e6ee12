import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, StoreEnv } from './config.js';

const MB = 1024 * 1024;

describe('store configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8001,
      storagePath: path.resolve('data/store'),
      maxPluginSizeBytes: 100 * MB,
      maxUnpackedBytes: 256 * MB,
      maxEntries: 10_000,
      uploadIdleTimeoutMs: 30_000,
      uploadDeadlineMs: 600_000,
      discardUnreadBody: { maxBytes: 16 * MB, maxMs: 5000 },
      debug: false,
      apiKey: null,
      allowedOrigins: [],
      seed: { enabled: true },
      statsFoldIntervalMs: 60_000,
    });
    expect(config.github).toMatchObject({ token: null, webHost: 'github.com', downloadHosts: ['codeload.github.com'], timeoutMs: 120_000 });
    expect(config.github.allowPrivateAddresses).toBe(false);
    expect(config.github).toMatchObject({ refreshIntervalMs: 0, webhookSecret: null });
    expect(config.github.apiUrl.href).toBe('https://api.github.com/');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      OKO_STORE_HOST: '0.0.0.0',
      OKO_STORE_PORT: '0',
      OKO_STORE_STORAGE_PATH: '/srv/store',
      OKO_STORE_MAX_PLUGIN_SIZE_MB: '1.5',
      OKO_STORE_MAX_UNPACKED_MB: '10',
      OKO_STORE_MAX_ENTRIES: '20',
      OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: '1000',
      OKO_STORE_UPLOAD_DEADLINE_MS: '60000',
      OKO_STORE_UPLOAD_DISCARD_MB: '0.5',
      OKO_STORE_UPLOAD_DISCARD_MS: '0',
      OKO_STORE_MAX_CONCURRENT_UPLOADS: '2',
      OKO_STORE_DEBUG: 'true',
      OKO_STORE_API_KEY: ' secret ',
      GITHUB_TOKEN: 'ghp_x',
      OKO_STORE_GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      OKO_STORE_GITHUB_TIMEOUT_MS: '5000',
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
      OKO_STORE_GITHUB_REFRESH_INTERVAL_S: '600',
      OKO_STORE_GITHUB_WEBHOOK_SECRET: 'hook-secret',
      OKO_STORE_SEED: 'off',
      OKO_STORE_STATS_FOLD_S: '0',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      storagePath: '/srv/store',
      maxPluginSizeBytes: Math.floor(1.5 * MB),
      maxUnpackedBytes: 10 * MB,
      maxEntries: 20,
      uploadIdleTimeoutMs: 1000,
      statsFoldIntervalMs: 0,
      uploadDeadlineMs: 60_000,
      discardUnreadBody: { maxBytes: MB / 2, maxMs: 0 },
      maxConcurrentUploads: 2,
      debug: true,
      apiKey: 'secret',
      seed: { enabled: false },
    });
    expect(config.github).toMatchObject({
      token: 'ghp_x',
      webHost: 'ghe.example.com',
      timeoutMs: 5000,
      allowPrivateAddresses: true,
      refreshIntervalMs: 600_000,
      webhookSecret: 'hook-secret',
    });
    expect(config.github.apiUrl.href).toBe('https://ghe.example.com/api/v3');
    expect(loadConfig({ OKO_STORE_DEBUG: '1' }).debug).toBe(true);
  });

  it.each([
    ['OKO_STORE_PORT', '70000'],
    ['OKO_STORE_PORT', 'eighty'],
    ['OKO_STORE_MAX_PLUGIN_SIZE_MB', '0'],
    ['OKO_STORE_MAX_ENTRIES', '1.5'],
    ['OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS', '-1'],
    ['OKO_STORE_UPLOAD_DEADLINE_MS', '0'],
    ['OKO_STORE_UPLOAD_DISCARD_MB', '-1'],
    ['OKO_STORE_UPLOAD_DISCARD_MS', 'soon'],
    ['OKO_STORE_MAX_CONCURRENT_UPLOADS', '0'],
    ['OKO_STORE_GITHUB_ALLOW_PRIVATE', 'perhaps'],
    ['OKO_STORE_GITHUB_API_URL', 'not a url'],
    ['OKO_STORE_GITHUB_API_URL', 'ftp://api.github.com'],
    ['OKO_STORE_GITHUB_API_URL', 'https://user:pw@api.github.com'],
    ['OKO_STORE_GITHUB_TIMEOUT_MS', '0'],
    ['OKO_STORE_GITHUB_REFRESH_INTERVAL_S', '-1'],
    ['OKO_STORE_GITHUB_REFRESH_INTERVAL_S', '0.5'],
    ['OKO_STORE_GITHUB_REFRESH_INTERVAL_S', 'hourly'],
    ['OKO_STORE_DEBUG', 'maybe'],
    ['OKO_STORE_SEED', 'sometimes'],
    ['OKO_STORE_STATS_FOLD_S', '-1'],
    ['OKO_STORE_STATS_FOLD_S', 'often'],
    ['OKO_STORE_ALLOWED_ORIGINS', 'https://ui.example/path'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('takes a blank variable as unset, so its default applies', () => {
    const config = loadConfig({ OKO_STORE_PORT: ' ', OKO_STORE_HOST: '', OKO_STORE_API_KEY: '', OKO_STORE_SEED: '' });
    expect(config).toMatchObject({ port: 8001, host: '127.0.0.1', apiKey: null, seed: { enabled: true } });
  });

  it('says which value was wrong and why', () => {
    expect(() => loadConfig({ OKO_STORE_PORT: '70000' })).toThrow('OKO_STORE_PORT="70000": must be <= 65535');
    expect(() => loadConfig({ OKO_STORE_MAX_ENTRIES: '1.5', OKO_STORE_MAX_UNPACKED_MB: '-2' })).toThrow(
      'OKO_STORE_MAX_UNPACKED_MB="-2": must be > 0; OKO_STORE_MAX_ENTRIES="1.5": must be integer',
    );
  });

  it('lists every variable it reads in its schema', () => {
    expect(Object.keys(StoreEnv.properties).sort()).toEqual([
      'GITHUB_TOKEN',
      'OKO_STORE_ALLOWED_ORIGINS',
      'OKO_STORE_API_KEY',
      'OKO_STORE_BLOB_URL',
      'OKO_STORE_DATABASE_POOL',
      'OKO_STORE_DATABASE_TIMEOUT_S',
      'OKO_STORE_DATABASE_URL',
      'OKO_STORE_DEBUG',
      'OKO_STORE_GITHUB_ALLOW_PRIVATE',
      'OKO_STORE_GITHUB_API_URL',
      'OKO_STORE_GITHUB_REFRESH_INTERVAL_S',
      'OKO_STORE_GITHUB_TIMEOUT_MS',
      'OKO_STORE_GITHUB_WEBHOOK_SECRET',
      'OKO_STORE_HOST',
      'OKO_STORE_MAX_CONCURRENT_UPLOADS',
      'OKO_STORE_MAX_ENTRIES',
      'OKO_STORE_MAX_PLUGIN_SIZE_MB',
      'OKO_STORE_MAX_UNPACKED_MB',
      'OKO_STORE_PORT',
      'OKO_STORE_S3_ENDPOINT',
      'OKO_STORE_S3_TIMEOUT_S',
      'OKO_STORE_SEED',
      'OKO_STORE_SEED_DIR',
      'OKO_STORE_STATS_FOLD_S',
      'OKO_STORE_STORAGE_PATH',
      'OKO_STORE_SWEEP_GRACE_S',
      'OKO_STORE_SWEEP_INTERVAL_S',
      'OKO_STORE_UPLOAD_DEADLINE_MS',
      'OKO_STORE_UPLOAD_DISCARD_MB',
      'OKO_STORE_UPLOAD_DISCARD_MS',
      'OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS',
    ]);
  });

  describe('PostgreSQL and S3', () => {
    const db = 'postgres://oko:s3cret-pw@db.internal:5432/store';

    it('is the embedded store unless a database URL is set', () => {
      const config = loadConfig({});
      expect(config.database).toBeNull();
      expect(config.blobs).toBeNull();
      expect(config.sweep).toEqual({ graceMs: 3_600_000, intervalMs: 600_000 });
    });

    it('reads the database URL and pool size', () => {
      expect(loadConfig({ OKO_STORE_DATABASE_URL: db, OKO_STORE_DATABASE_POOL: '4' }).database).toEqual({
        url: db,
        poolSize: 4,
        timeoutMs: 30_000,
      });
      expect(loadConfig({ OKO_STORE_DATABASE_URL: db, OKO_STORE_DATABASE_TIMEOUT_S: '5' }).database?.timeoutMs).toBe(5000);
      expect(loadConfig({ OKO_STORE_DATABASE_URL: db.replace('postgres:', 'postgresql:') }).database?.poolSize).toBe(10);
    });

    it('refuses a database URL that is not postgres, without echoing it (it may hold a password)', () => {
      for (const bad of ['mysql://oko:s3cret-pw@db/store', 'not a url s3cret-pw']) {
        expect(() => loadConfig({ OKO_STORE_DATABASE_URL: bad })).toThrow(ConfigError);
        expect(() => loadConfig({ OKO_STORE_DATABASE_URL: bad })).not.toThrow(/s3cret-pw/);
      }
    });

    it('reads s3://bucket/prefix and the endpoint', () => {
      const config = loadConfig({
        OKO_STORE_DATABASE_URL: db,
        OKO_STORE_BLOB_URL: 's3://oko-packages/store/prod/',
        OKO_STORE_S3_ENDPOINT: 'http://minio:9000/',
        OKO_STORE_S3_TIMEOUT_S: '5',
      });
      expect(config.blobs).toEqual({ bucket: 'oko-packages', prefix: 'store/prod', endpoint: 'http://minio:9000', timeoutMs: 5000 });
      expect(loadConfig({ OKO_STORE_DATABASE_URL: db, OKO_STORE_BLOB_URL: 's3://oko-packages' }).blobs).toEqual({
        bucket: 'oko-packages',
        prefix: '',
        endpoint: null,
        timeoutMs: 30_000,
      });
    });

    it('refuses S3 without PostgreSQL, bad blob URLs and an endpoint without a blob URL', () => {
      expect(() => loadConfig({ OKO_STORE_BLOB_URL: 's3://oko-packages' })).toThrow(/needs OKO_STORE_DATABASE_URL/);
      for (const bad of ['http://oko-packages', 's3://', 's3://B', 's3://oko-packages/../x', 's3://ok/a']) {
        expect(() => loadConfig({ OKO_STORE_DATABASE_URL: db, OKO_STORE_BLOB_URL: bad }), bad).toThrow(ConfigError);
      }
      expect(() =>
        loadConfig({ OKO_STORE_DATABASE_URL: db, OKO_STORE_BLOB_URL: 's3://oko-packages', OKO_STORE_S3_ENDPOINT: 'ftp://x' }),
      ).toThrow(/OKO_STORE_S3_ENDPOINT/);
      expect(() => loadConfig({ OKO_STORE_S3_ENDPOINT: 'http://minio:9000' })).toThrow(/OKO_STORE_BLOB_URL is not/);
    });

    it('refuses keys in OKO_STORE_S3_ENDPOINT and never repeats them in its message', () => {
      const message = (env: Record<string, string>) => {
        try {
          loadConfig(env);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          return (error as Error).message;
        }
        throw new Error('accepted');
      };
      const s3 = { OKO_STORE_DATABASE_URL: db, OKO_STORE_BLOB_URL: 's3://oko-packages' };
      for (const env of [
        { ...s3, OKO_STORE_S3_ENDPOINT: 'http://AKIAKEY:s3cr3tPass@minio:9000' },
        { ...s3, OKO_STORE_S3_ENDPOINT: 'ftp://AKIAKEY:s3cr3tPass@minio:9000' },
        { OKO_STORE_S3_ENDPOINT: 'http://AKIAKEY:s3cr3tPass@minio:9000' },
      ]) {
        const said = message(env);
        expect(said).toMatch(/OKO_STORE_S3_ENDPOINT/);
        expect(said).not.toMatch(/s3cr3tPass|AKIAKEY/);
      }
    });
  });
});
