import { describe, expect, it } from 'vitest';
import { ConfigError } from '@oko/shared/server';
import { readStoreIntegrationConfig } from './config.js';

describe('store integration settings', () => {
  it('has the documented defaults', () => {
    expect(readStoreIntegrationConfig({})).toEqual({ timeoutMs: 3000, transferIdleTimeoutMs: 30_000, maxUploadBytes: 100 * 1024 * 1024 });
  });

  it('reads OKO_STORE_TIMEOUT_MS, OKO_STORE_TRANSFER_TIMEOUT_MS and OKO_STORE_MAX_UPLOAD_MB', () => {
    expect(
      readStoreIntegrationConfig({ OKO_STORE_TIMEOUT_MS: '500', OKO_STORE_TRANSFER_TIMEOUT_MS: '2000', OKO_STORE_MAX_UPLOAD_MB: '5' }),
    ).toEqual({
      timeoutMs: 500,
      transferIdleTimeoutMs: 2000,
      maxUploadBytes: 5 * 1024 * 1024,
    });
  });

  it.each([
    ['OKO_STORE_TIMEOUT_MS', '0'],
    ['OKO_STORE_TRANSFER_TIMEOUT_MS', 'soon'],
    ['OKO_STORE_MAX_UPLOAD_MB', '1.5'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => readStoreIntegrationConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readStoreIntegrationConfig({ [name]: value })).toThrow(`${name}="${value}"`);
  });
});
