// Types of the OKO Dashboard plugin API, for a plugin written in TypeScript; `oko-plugin init --ts`
// copies this file. Generated from packages/shared/src/plugin-sdk.ts of the OKO repository (by
// packages/cli/test/sdk-types.ts): do not edit; a newer `oko-plugin` brings the newer file.

export type PluginManifest = {
  description?: string;
  display_name?: string;
  author?: string;
  homepage?: string;
  license?: string;
  tags?: string[];
  capabilities?: string[];
  main?: string;
  permissions?: { network?: string[]; listen?: boolean; env?: string[]; read?: string[] };
  engines?: { oko?: string };
  dependencies?: Record<string, string>;
  name: string;
  version: string;
};

export type UiConfig = {
  has_page?: boolean;
  page_title?: string;
  page_icon?: string;
  show_in_menu?: boolean;
  menu_group?: string;
  menu_order?: number;
  api_prefix?: string;
  required_permissions?: string[];
  widgets?: { type?: string; title?: string; endpoint?: string; id: string }[];
};

/**
 * The API a plugin's `setup(ctx)` receives. Plugin code runs in a host of its own (a worker
 * thread); every call below is carried to the dashboard backend by messages, so values that
 * cross it (bodies, payloads, event data) must be plain JSON.
 */

export type PluginHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route or page handler receives. `params` come from `:name` segments of the route path. */
export interface PluginRequest {
  method: string;
  /** The path below the plugin's API prefix, e.g. `/hosts/42`. */
  path: string;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON for `application/json`, the raw text for anything else, undefined without a body. */
  body: unknown;
}

/** An answer other than "200 with this JSON body"; made with `ctx.response(...)`. */
export interface PluginResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The return value becomes the JSON body (status 200) unless it is a `PluginResponse`. */
export type RouteHandler = (req: PluginRequest) => unknown;

export interface PluginRoutes {
  get(path: string, handler: RouteHandler): void;
  post(path: string, handler: RouteHandler): void;
  put(path: string, handler: RouteHandler): void;
  patch(path: string, handler: RouteHandler): void;
  delete(path: string, handler: RouteHandler): void;
}

export interface ActionMeta {
  type: string;
  capability: string;
  requested_at?: string;
}

export type ActionHandler = (payload: unknown, meta: ActionMeta) => unknown;

export interface PluginActions {
  /** Action `x.y` needs capability `exec.x.y` in manifest.json; otherwise this throws. */
  register(type: string, handler: ActionHandler): void;
}

export interface EventMeta {
  /** Id of the plugin that emitted the event. */
  source: string;
  topic: string;
}

export type EventHandler = (data: unknown, meta: EventMeta) => void | Promise<void>;

export interface PluginEvents {
  on(topic: string, handler: EventHandler): void;
  off(topic: string, handler: EventHandler): void;
  /** Delivered to every subscribed active plugin, the emitter included. */
  emit(topic: string, data?: unknown): void;
}

/** Returns the page's HTML (or a `PluginResponse`). */
export type PageHandler = (req: PluginRequest) => unknown;

export interface PluginLogger {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

export interface PluginContext {
  /** The plugin's id (manifest.json `name`). */
  readonly id: string;
  readonly manifest: PluginManifest;
  readonly ui: UiConfig;
  /** A folder of the plugin's own that survives reloads and restarts. */
  readonly dataDir: string;
  readonly routes: PluginRoutes;
  readonly actions: PluginActions;
  readonly events: PluginEvents;
  readonly log: PluginLogger;
  /** Serves GET /api/v1/plugins/{id}/page (instead of static/index.html). */
  page(handler: PageHandler): void;
  response(status: number, body?: unknown, headers?: Record<string, string>): PluginResponse;
}

export type SetupFn = (ctx: PluginContext) => void | Promise<void>;
export type TeardownFn = () => void | Promise<void>;
