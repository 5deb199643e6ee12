import type { PluginManifest, PluginRequest, PluginResponse, UiConfig, ActionMeta } from '@oko/shared';

/**
 * Messages between the backend (main thread) and one plugin host (worker thread). Every call
 * carries an id; the host answers it with exactly one `reply`.
 */

export interface HostWorkerData {
  pluginId: string;
  /** file: URL of the plugin's main module. */
  mainUrl: string;
  manifest: PluginManifest;
  ui: UiConfig;
  dataDir: string;
}

export type CallBody =
  | { type: 'route'; key: string; request: PluginRequest }
  | { type: 'action'; actionType: string; payload: unknown; meta: ActionMeta }
  | { type: 'page'; request: PluginRequest }
  | { type: 'ping' }
  | { type: 'teardown' };

/** Main thread -> host. */
export type ToHost = (CallBody & { id: number }) | { type: 'event'; topic: string; data: unknown; source: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Host -> main thread. */
export type FromHost =
  | { type: 'register-route'; method: string; path: string }
  | { type: 'register-action'; actionType: string }
  | { type: 'register-page' }
  | { type: 'subscribe'; topic: string }
  | { type: 'unsubscribe'; topic: string }
  | { type: 'ready' }
  | { type: 'setup-failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'emit'; topic: string; data: unknown }
  | { type: 'log'; level: LogLevel; message: string; data?: unknown };

/** What a route or page call answers, normalised by the host. */
export type RouteReply = Required<Pick<PluginResponse, 'status' | 'headers'>> & { body: unknown };

/** The key a route is registered and invoked under, e.g. `GET /hosts/:id`. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
