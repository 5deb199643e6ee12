import type { PluginManifest, PluginRequest, UiConfig, ActionMeta } from '@oko/shared';
import { checkSchema } from '@oko/shared';
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { GuardPolicy } from '../plugin-runtime/guards/index.js';
import { MAX_NAME_CHARS, MAX_PATH_CHARS, MAX_TEXT_CHARS } from '../plugin-runtime/limits.js';

/**
 * Messages between the backend and one plugin host (the plugin's own process, over IPC). The
 * first message is `start`; every call after it carries an id, answered with exactly one `reply`.
 */

export interface HostStartData {
  pluginId: string;
  /** file: URL of the plugin's main module. */
  mainUrl: string;
  /** file: URLs of the plugin's folder (as given and its real path, each ending in `/`): a setup error names the file and line inside it. */
  pluginRoots?: string[];
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

/** Backend -> host. */
export type ToHost =
  | { type: 'start'; data: HostStartData; policy: GuardPolicy }
  | (CallBody & { id: number })
  | { type: 'event'; topic: string; data: unknown; source: string };

/*
 * Host -> backend. Plugin code shares the process with the host and can send anything on its
 * IPC channel (`process.send`), so the backend checks every message against these schemas before acting on it: a message
 * that does not match ends that host (see PluginHost), it never reaches code that trusts its shape.
 */
const LogLevel = Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]);
export type LogLevel = Static<typeof LogLevel>;
const HttpMethod = Type.Union([
  Type.Literal('GET'),
  Type.Literal('POST'),
  Type.Literal('PUT'),
  Type.Literal('PATCH'),
  Type.Literal('DELETE'),
]);
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_CHARS });
const Text = Type.String({ maxLength: MAX_TEXT_CHARS });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const CallId = Type.Integer({ minimum: 1 });

const variants = {
  'register-route': Type.Object({
    type: Type.Literal('register-route'),
    method: HttpMethod,
    path: Type.String({ pattern: '^/', maxLength: MAX_PATH_CHARS }),
  }),
  'register-action': Type.Object({ type: Type.Literal('register-action'), actionType: Name }),
  'register-page': Type.Object({ type: Type.Literal('register-page') }),
  subscribe: Type.Object({ type: Type.Literal('subscribe'), topic: Name }),
  unsubscribe: Type.Object({ type: Type.Literal('unsubscribe'), topic: Name }),
  ready: Type.Object({ type: Type.Literal('ready') }),
  'setup-failed': Type.Object({ type: Type.Literal('setup-failed'), message: Text }),
  reply: Type.Union([
    Type.Object({ type: Type.Literal('reply'), id: CallId, ok: Type.Literal(true), value: Type.Optional(Type.Unknown()) }),
    Type.Object({ type: Type.Literal('reply'), id: CallId, ok: Type.Literal(false), message: Text }),
  ]),
  emit: Type.Object({ type: Type.Literal('emit'), topic: Name, data: Type.Optional(Type.Unknown()) }),
  log: Type.Object({ type: Type.Literal('log'), level: LogLevel, message: Text, data: Type.Optional(Type.Unknown()) }),
  /** Log lines and events the host itself dropped over its rate limits since its last report. */
  dropped: Type.Object({ type: Type.Literal('dropped'), logLines: Count, events: Count }),
} satisfies Record<string, TSchema>;

export const FromHost = Type.Union(Object.values(variants));
export type FromHost = Static<(typeof variants)[keyof typeof variants]>;

/** What a route or page call answers, normalised by the host; checked like a message. */
export const RouteReply = Type.Object({
  status: Type.Integer({ minimum: 100, maximum: 599 }),
  headers: Type.Record(Type.String({ minLength: 1, maxLength: MAX_NAME_CHARS }), Type.String({ maxLength: MAX_TEXT_CHARS })),
  body: Type.Optional(Type.Unknown()),
});
export type RouteReply = Static<typeof RouteReply>;

type Checker = { Check(value: unknown): boolean };
let compiled: { variants: Map<string, Checker>; routeReply: Checker } | undefined;
/** Compiled on first use, by the backend only (the host imports this module's types alone). */
function checkers() {
  compiled ??= {
    variants: new Map(Object.entries(variants).map(([type, schema]) => [type, Compile(schema as TSchema)])),
    routeReply: Compile(RouteReply),
  };
  return compiled;
}

/** `level: must be one of debug, info, warn, error; message: is required`, cut to a readable length. */
function problemsOf(schema: TSchema, value: unknown): string {
  const issues = checkSchema(schema, value, '').map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  const text = issues.join('; ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Checks a message from a host; `problem` says in words what is wrong with it. */
export function checkFromHost(message: unknown): Checked<FromHost> {
  const type = (message as { type?: unknown } | null)?.type;
  if (typeof message !== 'object' || message === null || typeof type !== 'string') {
    return { ok: false, problem: 'a message that is not an object with a string type' };
  }
  const schema = Object.hasOwn(variants, type) ? variants[type as keyof typeof variants] : undefined;
  if (!schema) return { ok: false, problem: `a message of unknown type '${type.slice(0, 64)}'` };
  if (checkers().variants.get(type)!.Check(message)) return { ok: true, value: message as FromHost };
  return { ok: false, problem: `an invalid '${type}' message (${problemsOf(schema, message)})` };
}

/** Checks the value a host answered to a route or page call. */
export function checkRouteReply(value: unknown): Checked<RouteReply> {
  if (checkers().routeReply.Check(value)) return { ok: true, value: value as RouteReply };
  return { ok: false, problem: `an invalid reply (${problemsOf(RouteReply, value)})` };
}
