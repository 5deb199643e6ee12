import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOriginList } from '@oko/shared';
import { readStoreIntegrationConfig, type StoreIntegrationConfig } from './store-integration/config.js';

/** Everything the backend reads from the environment, read once at startup and passed down. */
export interface BackendConfig {
  host: string;
  port: number;
  /** Installed plugins, one folder each (scope external). */
  pluginsDir: string;
  /** Plugins shipped with the backend (scope builtin); null when there are none. */
  builtinPluginsDir: string | null;
  /** Persisted plugin states and each plugin's own data folder. */
  dataDir: string;
  pluginLoadTimeoutMs: number;
  /** Bound on one route, page or action call into a plugin. */
  pluginCallTimeoutMs: number;
  /** V8 old-generation limit of each plugin host; exceeding it ends the plugin in state error. */
  pluginMemoryMb: number;
  storeUrl: string;
  storeApiKey: string | undefined;
  /** Store call timeouts and the upload forwarding limit (OKO_STORE_TIMEOUT_MS, …). */
  storeIntegration: StoreIntegrationConfig;
  /** The built web UI; served at / only when the folder exists. */
  frontendDir: string;
  /** Origins besides the backend's own whose pages may send writes (OKO_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  version: string;
  logLevel: string;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Builds the config from `env`; throws a message naming the variable when a value is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const storeUrl = (text(env, 'OKO_STORE_URL') ?? 'http://127.0.0.1:8001/api/v1').replace(/\/+$/, '');
  try {
    new URL(storeUrl);
  } catch {
    throw new Error(`OKO_STORE_URL must be an absolute URL, got '${storeUrl}'`);
  }
  // Unset means "the folder beside the package, if it exists"; set to '' means "no builtin plugins".
  const builtinRaw = env.OKO_BUILTIN_PLUGINS_DIR;
  const builtinDefault = path.join(packageRoot, 'builtin-plugins');
  const builtinPluginsDir = builtinRaw === '' ? null : path.resolve(builtinRaw ?? builtinDefault);
  return {
    host: text(env, 'OKO_HOST') ?? '127.0.0.1',
    port: integer(env, 'OKO_PORT', 8000, 0, 65535),
    pluginsDir: path.resolve(text(env, 'OKO_PLUGINS_DIR') ?? './data/plugins'),
    builtinPluginsDir: builtinPluginsDir && (builtinRaw !== undefined || existsSync(builtinPluginsDir)) ? builtinPluginsDir : null,
    dataDir: path.resolve(text(env, 'OKO_DATA_DIR') ?? './data/backend'),
    pluginLoadTimeoutMs: integer(env, 'OKO_PLUGIN_LOAD_TIMEOUT_MS', 10_000, 100, 600_000),
    pluginCallTimeoutMs: integer(env, 'OKO_PLUGIN_CALL_TIMEOUT_MS', 30_000, 100, 600_000),
    pluginMemoryMb: integer(env, 'OKO_PLUGIN_MEMORY_MB', 256, 16, 16_384),
    storeUrl,
    storeApiKey: text(env, 'OKO_STORE_API_KEY'),
    storeIntegration: readStoreIntegrationConfig(env),
    frontendDir: path.resolve(text(env, 'OKO_FRONTEND_DIR') ?? path.join(packageRoot, '..', 'frontend', 'dist')),
    allowedOrigins: parseOriginList(env.OKO_ALLOWED_ORIGINS, 'OKO_ALLOWED_ORIGINS'),
    version: packageVersion(),
    logLevel: text(env, 'OKO_LOG_LEVEL') ?? 'info',
  };
}
