import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostNameOf, parseHostList } from '@oko/shared';
import { ConfigError, envError, originList, packageVersion, parseEnv } from '@oko/shared/server';
import { Type } from 'typebox';
import { StoreIntegrationEnv, storeIntegrationConfig, type StoreIntegrationConfig } from './store-integration/config.js';
import { AuthEnv, authConfig, type AuthConfig } from './auth/config.js';
import { TrustEnv, trustConfig, type TrustConfig } from './trust/config.js';

export { ConfigError } from '@oko/shared/server';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  /**
   * OKO_DEV_PLUGINS: true allows development plugins (/api/v1/dev/plugins), false refuses them,
   * undefined (unset) allows them while the backend listens on loopback with sign-in off.
   */
  devPlugins: boolean | undefined;
  /** OKO_DEV_PLUGINS_DIR: the development plugins (scope dev) and their data; emptied at every start. */
  devPluginsDir: string;
  pluginLoadTimeoutMs: number;
  /** Bound on one route, page or action call into a plugin. */
  pluginCallTimeoutMs: number;
  /** V8 old-generation limit of each plugin host; exceeding it ends the plugin in state error. */
  pluginMemoryMb: number;
  /** A plugin that dies while active: first restart delay (doubling), window and count that quarantine it. */
  pluginRestartBackoffMs: number;
  pluginQuarantineWindowS: number;
  pluginQuarantineCrashes: number;
  /** Resident memory of a plugin's whole process (Buffers included); over it the process is ended. */
  pluginRssLimitMb: number;
  /** How often the backend reads each plugin process's resident memory. */
  pluginMemoryCheckMs: number;
  /** The account plugin processes run as when the backend runs as root. */
  pluginUser: string;
  /** Folders no plugin may read whatever it declares (the store's data folder, say), besides the built-in ones. */
  pluginDeniedPaths: string[];
  /** OKO_UPDATE_HEALTH_WINDOW_S: an updated active plugin is watched this long and rolled back if it dies; 0 = not watched. */
  updateHealthWindowS: number;
  storeUrl: string;
  storeApiKey: string | undefined;
  /** OKO_STORE_TOKEN: a dashboard token for the store's reads (catalog, downloads). */
  storeToken: string | undefined;
  /** Store call timeouts and the upload forwarding limit (OKO_STORE_TIMEOUT_MS, …). */
  storeIntegration: StoreIntegrationConfig;
  /** OKO_TRUSTED_KEYS and OKO_SIGNATURE_POLICY (README "Signatures and trust"). */
  trust: TrustConfig;
  /** OKO_AUTH, OKO_ADMIN_USER, OKO_ADMIN_PASSWORD, OKO_SESSION_TTL_H (README "Sign-in"). */
  auth: AuthConfig;
  /** OKO_UPDATE_CHECK_INTERVAL_S: seconds between rounds of the update policy check; 0 = off. */
  updateCheckIntervalS: number;
  /** The built web UI; served at / only when the folder exists. */
  frontendDir: string;
  /** Origins besides the backend's own whose pages may send writes (OKO_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  /**
   * Host names the backend answers besides IP addresses and localhost: the listen address when it
   * is a name, and OKO_ALLOWED_HOSTS (the DNS rebinding guard, README "Cross-site requests").
   */
  allowedHosts: string[];
  version: string;
  logLevel: string;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_BUILTIN_DIR = path.join(packageRoot, 'builtin-plugins');
const timeout = (fallback: number, description: string) => Type.Integer({ minimum: 100, maximum: 600_000, default: fallback, description });

/** Every variable the backend reads, with its default (README, Dashboard backend > Configuration and Store integration). */
export const BackendEnv = Type.Object({
  OKO_HOST: Type.String({ default: '127.0.0.1', description: 'listen address' }),
  OKO_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'listen port; 0 picks a free one' }),
  OKO_PLUGINS_DIR: Type.String({ default: './data/plugins', description: 'installed plugins, one folder each' }),
  // Unset means "the folder beside the package, if it exists"; set to '' means "no builtin plugins".
  OKO_BUILTIN_PLUGINS_DIR: Type.Optional(Type.String({ keepEmpty: true, description: 'plugins shipped with the backend; empty = none' })),
  OKO_DATA_DIR: Type.String({ default: './data/backend', description: "saved plugin states and each plugin's data folder" }),
  OKO_DEV_PLUGINS: Type.Optional(
    Type.Boolean({ description: 'development plugins (oko-plugin dev): true, false; unset = only on loopback with sign-in off' }),
  ),
  OKO_DEV_PLUGINS_DIR: Type.Optional(
    Type.String({ description: 'where development plugins and their data live; emptied at start; default OKO_DATA_DIR/dev-plugins' }),
  ),
  OKO_PLUGIN_LOAD_TIMEOUT_MS: timeout(10_000, 'bound on setup(ctx)'),
  OKO_PLUGIN_CALL_TIMEOUT_MS: timeout(30_000, 'bound on one route, page or action call'),
  OKO_PLUGIN_MEMORY_MB: Type.Integer({ minimum: 16, maximum: 16_384, default: 256, description: 'V8 heap limit of each plugin host' }),
  OKO_PLUGIN_RESTART_BACKOFF_MS: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 1000,
    description: 'wait before restarting a plugin whose process died; doubles with each death',
  }),
  OKO_PLUGIN_QUARANTINE_WINDOW_S: Type.Integer({
    minimum: 1,
    maximum: 604_800,
    default: 600,
    description: 'deaths within this window count toward quarantine',
  }),
  OKO_PLUGIN_QUARANTINE_CRASHES: Type.Integer({
    minimum: 1,
    maximum: 10,
    default: 3,
    description: 'the death that reaches this count within the window quarantines the plugin',
  }),
  OKO_PLUGIN_RSS_LIMIT_MB: Type.Integer({
    minimum: 32,
    maximum: 65_536,
    default: 512,
    description: "resident memory of each plugin's process, Buffers included",
  }),
  OKO_PLUGIN_MEMORY_CHECK_MS: Type.Integer({ minimum: 20, maximum: 60_000, default: 500, description: 'how often plugin memory is read' }),
  OKO_PLUGIN_USER: Type.String({
    minLength: 1,
    default: 'nobody',
    description: 'the user plugin processes run as when the backend is root',
  }),
  OKO_PLUGIN_DENIED_PATHS: Type.Optional(
    Type.String({ description: 'comma-separated folders no plugin may read, whatever it declares (e.g. the store data folder)' }),
  ),
  OKO_UPDATE_HEALTH_WINDOW_S: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 30,
    description: 'an updated active plugin that fails to load or dies within this window is rolled back; 0 = no watching',
  }),
  OKO_STORE_URL: Type.String({ default: 'http://127.0.0.1:8001/api/v1', description: 'the Plugin Store API base' }),
  OKO_STORE_API_KEY: Type.Optional(Type.String({ description: "the store admin's key, sent on the uploads the backend relays" })),
  OKO_STORE_TOKEN: Type.Optional(
    Type.String({ description: 'a store dashboard token, sent on catalog reads and downloads (preferred over the admin key)' }),
  ),
  ...StoreIntegrationEnv.properties,
  OKO_UPDATE_CHECK_INTERVAL_S: Type.Integer({
    minimum: 0,
    maximum: 604_800,
    default: 3600,
    description: 'seconds between rounds of the update policy check (pins and update policies); 0 = off',
  }),
  ...TrustEnv.properties,
  ...AuthEnv.properties,
  OKO_FRONTEND_DIR: Type.String({
    default: path.join(packageRoot, '..', 'frontend', 'dist'),
    description: 'the built web UI, served at / when it exists',
  }),
  OKO_ALLOWED_ORIGINS: Type.Optional(
    Type.String({ description: "comma-separated origins besides the backend's own whose pages may send writes" }),
  ),
  OKO_ALLOWED_HOSTS: Type.Optional(
    Type.String({ description: 'comma-separated host names besides IP addresses and localhost that requests may be addressed to' }),
  ),
  OKO_LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info', description: 'pino log level' },
  ),
});

/** Builds the config from `env`; throws a ConfigError naming the variable when a value is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const vars = parseEnv(BackendEnv, env);
  const storeUrl = vars.OKO_STORE_URL.replace(/\/+$/, '');
  if (!URL.canParse(storeUrl)) throw envError('OKO_STORE_URL', vars.OKO_STORE_URL, 'must be an absolute URL');
  const builtin = vars.OKO_BUILTIN_PLUGINS_DIR;
  const builtinPluginsDir =
    builtin === '' ? null : builtin !== undefined ? path.resolve(builtin) : existsSync(DEFAULT_BUILTIN_DIR) ? DEFAULT_BUILTIN_DIR : null;
  const folders = { dataDir: path.resolve(vars.OKO_DATA_DIR), pluginsDir: path.resolve(vars.OKO_PLUGINS_DIR), builtinPluginsDir };
  return {
    host: vars.OKO_HOST,
    port: vars.OKO_PORT,
    ...folders,
    devPlugins: vars.OKO_DEV_PLUGINS,
    devPluginsDir: devPluginsDirOf(vars.OKO_DEV_PLUGINS_DIR, folders),
    pluginLoadTimeoutMs: vars.OKO_PLUGIN_LOAD_TIMEOUT_MS,
    pluginCallTimeoutMs: vars.OKO_PLUGIN_CALL_TIMEOUT_MS,
    pluginMemoryMb: vars.OKO_PLUGIN_MEMORY_MB,
    pluginRestartBackoffMs: vars.OKO_PLUGIN_RESTART_BACKOFF_MS,
    pluginQuarantineWindowS: vars.OKO_PLUGIN_QUARANTINE_WINDOW_S,
    pluginQuarantineCrashes: vars.OKO_PLUGIN_QUARANTINE_CRASHES,
    pluginRssLimitMb: vars.OKO_PLUGIN_RSS_LIMIT_MB,
    pluginMemoryCheckMs: vars.OKO_PLUGIN_MEMORY_CHECK_MS,
    pluginUser: vars.OKO_PLUGIN_USER,
    pluginDeniedPaths: (vars.OKO_PLUGIN_DENIED_PATHS ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => path.resolve(entry)),
    updateHealthWindowS: vars.OKO_UPDATE_HEALTH_WINDOW_S,
    storeUrl,
    storeApiKey: vars.OKO_STORE_API_KEY,
    storeToken: vars.OKO_STORE_TOKEN,
    storeIntegration: storeIntegrationConfig(vars),
    trust: trustConfig(vars),
    auth: authConfig(vars),
    updateCheckIntervalS: vars.OKO_UPDATE_CHECK_INTERVAL_S,
    frontendDir: path.resolve(vars.OKO_FRONTEND_DIR),
    allowedOrigins: originList(vars.OKO_ALLOWED_ORIGINS, 'OKO_ALLOWED_ORIGINS'),
    allowedHosts: allowedHosts(vars.OKO_HOST, vars.OKO_ALLOWED_HOSTS),
    version: packageVersion(packageRoot),
    logLevel: vars.OKO_LOG_LEVEL,
  };
}

const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/**
 * OKO_DEV_PLUGINS_DIR, emptied at every start: so never the data folder, the plugins folders or a
 * folder holding one of them (a restart would delete accounts, grants or installed plugins), and
 * never inside a plugins folder (its plugins would also be scanned as installed ones).
 */
function devPluginsDirOf(
  raw: string | undefined,
  folders: { dataDir: string; pluginsDir: string; builtinPluginsDir: string | null },
): string {
  const dir = path.resolve(raw ?? path.join(folders.dataDir, 'dev-plugins'));
  const named = { OKO_DATA_DIR: folders.dataDir, OKO_PLUGINS_DIR: folders.pluginsDir, OKO_BUILTIN_PLUGINS_DIR: folders.builtinPluginsDir };
  for (const [name, folder] of Object.entries(named)) {
    if (folder === null) continue;
    if (within(folder, dir))
      throw envError('OKO_DEV_PLUGINS_DIR', raw, `is emptied at every start, so it may not be or hold ${name} (${folder})`);
    if (name !== 'OKO_DATA_DIR' && within(dir, folder))
      throw envError('OKO_DEV_PLUGINS_DIR', raw, `may not lie inside ${name} (${folder})`);
  }
  return dir;
}

/** OKO_ALLOWED_HOSTS, plus the listen address when it is a name (OKO_HOST=dashboard.lan is reached by that name). */
function allowedHosts(listenHost: string, raw: string | undefined): string[] {
  let listed: string[];
  try {
    listed = parseHostList(raw, 'OKO_ALLOWED_HOSTS');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const own = hostNameOf(listenHost);
  // IP addresses are always known; only a listen *name* needs adding.
  const isName = own !== null && !own.startsWith('[') && !/^[\d.]+$/.test(own);
  return isName && !listed.includes(own) ? [own, ...listed] : listed;
}
