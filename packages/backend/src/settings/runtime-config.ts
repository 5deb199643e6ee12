import { PLUGIN_API_VERSION, README_ASSET_MAX_BYTES, type RuntimeConfig, type RuntimeSettings, type StoreHealthReport } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { devPluginsRefusal } from '../dev-plugins/dev-access.js';

const MIB = 1024 * 1024;

export interface RuntimeConfigSources {
  config: BackendConfig;
  /** The body limit buildApp gives Fastify, in bytes. */
  bodyLimitBytes: number;
  /** Measured when the page asks (storeHealth with a short bound). */
  store: StoreHealthReport;
  signInOn: boolean;
  settings: RuntimeSettings;
}

/**
 * What an admin needs to know of this backend's configuration (Settings tab): every limit in force
 * by the variable that sets it, the folders and policies, the store and whether it answers. Never
 * a secret: the store key and token, the admin password and plugin env values are named by whether
 * they are set at most.
 */
export function runtimeConfig({ config, bodyLimitBytes, store, signInOn, settings }: RuntimeConfigSources): RuntimeConfig {
  const store_ = config.storeIntegration;
  return {
    version: config.version,
    node: process.version,
    plugin_api_version: PLUGIN_API_VERSION,
    store: {
      url: config.storeUrl,
      available: store.available,
      response_time_ms: store.response_time_ms,
      ...(store.reason === undefined ? {} : { reason: store.reason }),
      ...(store.store === undefined ? {} : { health: store.store }),
      token_configured: Boolean(config.storeToken),
      api_key_configured: Boolean(config.storeApiKey),
    },
    folders: {
      plugins_dir: config.pluginsDir,
      builtin_plugins_dir: config.builtinPluginsDir,
      data_dir: config.dataDir,
      trusted_keys_dir: config.trust.trustedKeysDir,
    },
    limits: {
      OKO_PLUGIN_LOAD_TIMEOUT_MS: config.pluginLoadTimeoutMs,
      OKO_PLUGIN_CALL_TIMEOUT_MS: config.pluginCallTimeoutMs,
      OKO_PLUGIN_MEMORY_MB: config.pluginMemoryMb,
      OKO_PLUGIN_RSS_LIMIT_MB: config.pluginRssLimitMb,
      OKO_PLUGIN_MEMORY_CHECK_MS: config.pluginMemoryCheckMs,
      OKO_PLUGIN_RESTART_BACKOFF_MS: config.pluginRestartBackoffMs,
      OKO_PLUGIN_QUARANTINE_WINDOW_S: config.pluginQuarantineWindowS,
      OKO_PLUGIN_QUARANTINE_CRASHES: config.pluginQuarantineCrashes,
      OKO_PLUGIN_USER: config.pluginUser,
      OKO_PLUGIN_DENIED_PATHS: config.pluginDeniedPaths.length > 0 ? config.pluginDeniedPaths.join(',') : null,
      OKO_STORE_TIMEOUT_MS: store_.timeoutMs,
      OKO_STORE_TRANSFER_TIMEOUT_MS: store_.transferIdleTimeoutMs,
      OKO_STORE_DOWNLOAD_TIMEOUT_MS: store_.downloadTimeoutMs,
      OKO_STORE_MAX_UPLOAD_MB: store_.maxUploadBytes / MIB,
      OKO_STORE_MAX_PACKAGE_MB: store_.maxPackageBytes / MIB,
      OKO_STORE_MAX_ANSWER_MB: store_.maxAnswerBytes / MIB,
      OKO_SESSION_TTL_H: config.auth.sessionTtlMs / 3_600_000,
      // Not variables, but limits an admin meets: a request body, a README image.
      request_body_max_mb: bodyLimitBytes / MIB,
      readme_image_max_mb: README_ASSET_MAX_BYTES / MIB,
    },
    policies: {
      signature_policy: config.trust.signaturePolicy,
      sign_in: signInOn,
      // The same decision the /dev routes make, so Settings says what `oko-plugin dev` will meet.
      dev_plugins: devPluginsRefusal(config.devPlugins, config.host, signInOn) === null,
      update_check_interval_s: config.updateCheckIntervalS,
      update_health_window_s: config.updateHealthWindowS,
    },
    settings,
  };
}
