import { describe, expect, it } from 'vitest';
import { ConfigError } from '@oko/shared/server';
import { readStoreIntegrationConfig } from './config.js';

const MIB = 1024 * 1024;

describe('store integration settings', () => {
  it('has the documented defaults', () => {
    expect(readStoreIntegrationConfig({})).toEqual({
      timeoutMs: 3000,
      transferIdleTimeoutMs: 30_000,
      maxUploadBytes: 100 * MIB,
      maxPackageBytes: 100 * MIB,
      downloadTimeoutMs: 600_000,
      maxAnswerBytes: 16 * MIB,
      catalogRevalidateMs: 500,
    });
  });

  it('reads every OKO_STORE_* bound', () => {
    expect(
      readStoreIntegrationConfig({
        OKO_STORE_TIMEOUT_MS: '500',
        OKO_STORE_TRANSFER_TIMEOUT_MS: '2000',
        OKO_STORE_MAX_UPLOAD_MB: '5',
        OKO_STORE_MAX_PACKAGE_MB: '7',
        OKO_STORE_DOWNLOAD_TIMEOUT_MS: '9000',
        OKO_STORE_MAX_ANSWER_MB: '2',
        OKO_STORE_CATALOG_REVALIDATE_MS: '0',
      }),
    ).toEqual({
      timeoutMs: 500,
      transferIdleTimeoutMs: 2000,
      maxUploadBytes: 5 * MIB,
      maxPackageBytes: 7 * MIB,
      downloadTimeoutMs: 9000,
      maxAnswerBytes: 2 * MIB,
      catalogRevalidateMs: 0,
    });
  });

  it.each([
    ['OKO_STORE_TIMEOUT_MS', '0'],
    ['OKO_STORE_TRANSFER_TIMEOUT_MS', 'soon'],
    ['OKO_STORE_MAX_UPLOAD_MB', '1.5'],
    ['OKO_STORE_MAX_PACKAGE_MB', '0'],
    ['OKO_STORE_DOWNLOAD_TIMEOUT_MS', 'later'],
    ['OKO_STORE_MAX_ANSWER_MB', '-1'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => readStoreIntegrationConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readStoreIntegrationConfig({ [name]: value })).toThrow(`${name}="${value}"`);
  });
});
