import type { ActionHandler, EventHandler, PageHandler, PluginContext, PluginHttpMethod, PluginResponse, RouteHandler } from '@oko/shared';
import { DROP_REPORT_MS, EVENTS_PER_SECOND, LOG_LINES_PER_SECOND, MAX_NAME_CHARS, MAX_PATH_CHARS, MAX_TEXT_CHARS } from './limits.js';
// Types only: the checks in protocol.ts run in the backend, and the host need not load TypeBox.
import type { CallBody, FromHost, HostStartData, LogLevel, RouteReply, ToHost } from '../plugin-manager/protocol.js';
import { locationOf } from './error-location.js';
import { DropCounter, TokenBucket } from './rate-limit.js';
import { routeKey } from './route-match.js';

/*
 * The plugin host: runs in the plugin's own process (started by main.ts), imports the plugin's
 * code, runs setup(ctx) and answers calls from the backend. Nothing here is trusted by the
 * backend: it re-checks capabilities and every message, and bounds every call with a timeout.
 */
// A failed send means the backend is gone; the 'disconnect' handler in main.ts ends this process.
const send = (message: FromHost) => void process.send?.(message, undefined, undefined, () => {});

let data: HostStartData;
const routes = new Map<string, RouteHandler>();
const actions = new Map<string, ActionHandler>();
const listeners = new Map<string, Set<EventHandler>>();
let pageHandler: PageHandler | undefined;
let teardown: (() => unknown) | undefined;

// The backend enforces the same limits (it cannot trust this side); dropping here too keeps a
// plugin that logs in a loop from queueing millions of messages across the thread boundary.
const logBudget = new TokenBucket(LOG_LINES_PER_SECOND);
const eventBudget = new TokenBucket(EVENTS_PER_SECOND);
const drops = new DropCounter(DROP_REPORT_MS, (logLines, events) => send({ type: 'dropped', logLines, events }));

/** Text the protocol bounds is cut here, so an honest plugin never sends a message the backend refuses. */
const clip = (text: string, max = MAX_TEXT_CHARS) => (text.length > max ? `${text.slice(0, max - 14)}… (truncated)` : text);
const messageOf = (error: unknown) => clip(error instanceof Error ? error.message : String(error));

function checkName(what: string, value: unknown, max = MAX_NAME_CHARS): string {
  const text = String(value);
  if (text.length === 0 || text.length > max) throw new Error(`${what} must be 1 to ${max} characters long`);
  return text;
}

class Response implements PluginResponse {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** JSON round trip: what the plugin returns must survive the trip to an HTTP client anyway. */
function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Header values as strings; names the protocol would refuse (empty, over-long) are left out. */
function toHeaders(headers: unknown): Record<string, string> {
  const entries = Object.entries(typeof headers === 'object' && headers !== null ? headers : {});
  return Object.fromEntries(
    entries.filter(([name]) => name.length > 0 && name.length <= MAX_NAME_CHARS).map(([name, value]) => [name, clip(String(value))]),
  );
}

function toReply(value: unknown): RouteReply {
  if (value instanceof Response) {
    const status = Number.isInteger(value.status) && value.status >= 100 && value.status <= 599 ? value.status : 500;
    return { status, headers: toHeaders(value.headers), body: typeof value.body === 'string' ? value.body : toJson(value.body) };
  }
  return { status: value === undefined ? 204 : 200, headers: {}, body: typeof value === 'string' ? value : toJson(value) };
}

function routeRegistrar(method: PluginHttpMethod) {
  return (path: string, handler: RouteHandler) => {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new Error(`route path must start with '/', got ${JSON.stringify(path)}`);
    checkName('a route path', path, MAX_PATH_CHARS);
    if (typeof handler !== 'function') throw new Error(`route ${method} ${path} needs a handler function`);
    routes.set(routeKey(method, path), handler);
    send({ type: 'register-route', method, path });
  };
}

const log = (level: LogLevel) => (message: string, extra?: unknown) => {
  if (!logBudget.take()) return drops.add(1, 0);
  send({ type: 'log', level, message: clip(String(message)), data: toJson(extra) });
};

const makeContext = (): PluginContext => ({
  id: data.pluginId,
  manifest: data.manifest,
  ui: data.ui,
  dataDir: data.dataDir,
  routes: {
    get: routeRegistrar('GET'),
    post: routeRegistrar('POST'),
    put: routeRegistrar('PUT'),
    patch: routeRegistrar('PATCH'),
    delete: routeRegistrar('DELETE'),
  },
  actions: {
    register(type, handler) {
      checkName('an action type', type);
      const capability = `exec.${type}`;
      // Refused here so the author sees it at once; the backend refuses it again at execution.
      if (!(data.manifest.capabilities ?? []).includes(capability)) {
        throw new Error(`CAPABILITY_NOT_DECLARED: action '${type}' needs capability '${capability}' in manifest.json`);
      }
      actions.set(type, handler);
      send({ type: 'register-action', actionType: type });
    },
  },
  events: {
    on(rawTopic, handler) {
      const topic = checkName('an event topic', rawTopic);
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(handler);
      if (set.size === 1) send({ type: 'subscribe', topic });
    },
    off(rawTopic, handler) {
      const topic = String(rawTopic);
      const set = listeners.get(topic);
      if (set?.delete(handler) && set.size === 0) send({ type: 'unsubscribe', topic });
    },
    emit(topic, payload) {
      const checked = checkName('an event topic', topic);
      if (!eventBudget.take()) return drops.add(0, 1);
      send({ type: 'emit', topic: checked, data: toJson(payload) });
    },
  },
  log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  page(handler) {
    pageHandler = handler;
    send({ type: 'register-page' });
  },
  response: (status, body, headers) => new Response(status, body, headers),
});

async function answer(call: CallBody): Promise<unknown> {
  switch (call.type) {
    case 'route': {
      const handler = routes.get(call.key);
      if (!handler) throw new Error(`no handler for ${call.key}`);
      return toReply(await handler(call.request));
    }
    case 'action': {
      const handler = actions.get(call.actionType);
      if (!handler) throw new Error(`no handler for action '${call.actionType}'`);
      return toJson(await handler(call.payload, call.meta));
    }
    case 'page':
      if (!pageHandler) throw new Error('no page handler');
      return toReply(await pageHandler(call.request));
    case 'ping':
      return 'pong';
    case 'teardown':
      await teardown?.();
      drops.flush(); // the count of a flood just before unload still reaches the log
      return null;
  }
}

function receive(message: ToHost): void {
  if (message.type === 'start') return;
  if (message.type === 'event') {
    for (const handler of listeners.get(message.topic) ?? []) {
      Promise.resolve()
        .then(() => handler(message.data, { source: message.source, topic: message.topic }))
        .catch((error: unknown) => log('error')(`event handler for '${message.topic}' failed: ${(error as Error)?.message ?? error}`));
    }
    return;
  }
  answer(message).then(
    (value) => send({ type: 'reply', id: message.id, ok: true, value }),
    (error: unknown) => send({ type: 'reply', id: message.id, ok: false, message: messageOf(error) }),
  );
}

/** Imports the plugin's main module and runs setup(ctx); then answers the backend's calls. */
export async function startPlugin(start: HostStartData): Promise<void> {
  data = start;
  process.on('message', receive);
  // A stray rejection in plugin code is logged; it must not take the whole host down.
  process.on('unhandledRejection', (reason) => log('error')(`unhandled rejection: ${(reason as Error)?.message ?? reason}`));
  // An uncaught exception does end the process (its state is unknown); its message is logged first.
  process.on('uncaughtExceptionMonitor', (error) => log('error')(`uncaught exception: ${messageOf(error)}`));
  try {
    const module = (await import(data.mainUrl)) as { setup?: unknown; teardown?: unknown };
    if (typeof module.setup !== 'function') throw new Error('the main module exports no setup(ctx) function');
    if (typeof module.teardown === 'function') teardown = module.teardown as () => unknown;
    await (module.setup as (c: PluginContext) => unknown)(makeContext());
    send({ type: 'ready' });
  } catch (error) {
    const at = locationOf(error, data.pluginRoots ?? []);
    const suffix = at ? ` (at ${at})` : '';
    send({ type: 'setup-failed', message: clip(messageOf(error), MAX_TEXT_CHARS - suffix.length) + suffix });
  }
}
