import { Type, type Static } from 'typebox';
import { PluginErrorInfo, PluginState } from './plugins.js';

/**
 * Development plugins (README "The dev loop"): `oko-plugin dev` sends a plugin's files to
 * /api/v1/dev/plugins/{name}; the backend runs them with scope `dev` in the same sandbox and under
 * the same permission rules as installed plugins, while a lease the CLI renews holds.
 */

export const DEV_LEASE_DEFAULT_S = 30;

const ValidationIssueSchema = Type.Object({ file: Type.String(), path: Type.String(), message: Type.String() });
export const DEV_MAX_FILES = 2000;
/** Bound on one PUT's decoded file bytes; the route's body limit is a third more for base64. */
export const DEV_MAX_BYTES = 32 * 1024 * 1024;

export const DevFile = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 300, description: 'Relative to the plugin root, `/`-separated, no `..`' }),
    content_base64: Type.String({ description: 'The whole file' }),
    mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o777, description: 'Unix mode bits; only the executable bits are kept' })),
  },
  { additionalProperties: false },
);
export type DevFile = Static<typeof DevFile>;

/** PUT /dev/plugins/{name}: the first PUT sends every file (`replace: true`); each save sends what changed. */
export const DevPluginPush = Type.Object(
  {
    replace: Type.Optional(Type.Boolean({ description: 'true: these files are the whole plugin (the first push of a session)' })),
    files: Type.Array(DevFile, { maxItems: DEV_MAX_FILES }),
    removed: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: DEV_MAX_FILES })),
    lease_s: Type.Optional(
      Type.Integer({
        minimum: 5,
        maximum: 3600,
        description: `How long the plugin lives without a renewal; default ${DEV_LEASE_DEFAULT_S}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type DevPluginPush = Static<typeof DevPluginPush>;

export const DevPluginParams = Type.Object({ name: Type.String({ minLength: 2, maxLength: 64, pattern: '^[a-z][a-z0-9_]{1,63}$' }) });
export type DevPluginParams = Static<typeof DevPluginParams>;

/** What a push, a renewal or a GET answers: the state after the reload, or why the last good version still runs. */
export const DevPluginStatus = Type.Object({
  name: Type.String(),
  version: Type.String(),
  state: PluginState,
  error: Type.Optional(PluginErrorInfo),
  generation: Type.Integer({ description: 'Counts accepted pushes; a refused push leaves it unchanged' }),
  lease_expires_at: Type.String({ description: 'ISO time; renew before it (POST …/lease or any push)' }),
  refused: Type.Optional(
    Type.Object(
      {
        message: Type.String(),
        issues: Type.Array(ValidationIssueSchema, { description: 'manifest.json / ui.yaml problems with file and path' }),
      },
      { description: 'This push was not applied: the last good version keeps running' },
    ),
  ),
  permissions_added: Type.Optional(
    Type.Array(Type.String(), { description: 'Granted for this session because this push declared them (said by the CLI)' }),
  ),
  reload_ms: Type.Optional(Type.Integer({ description: 'Time from the push arriving to the new code answering' })),
});
export type DevPluginStatus = Static<typeof DevPluginStatus>;

/** Server-sent events of GET /dev/plugins/{name}/logs: `event: log|state`, `data:` one of these as JSON. */
export const DevLogEvent = Type.Object({
  level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
  message: Type.String(),
  at: Type.String(),
});
export type DevLogEvent = Static<typeof DevLogEvent>;
export const DevStateEvent = Type.Object({
  state: PluginState,
  error: Type.Optional(PluginErrorInfo),
  generation: Type.Integer(),
  at: Type.String(),
});
export type DevStateEvent = Static<typeof DevStateEvent>;

export const DevPluginRemoved = Type.Object({ status: Type.Literal('removed'), name: Type.String(), message: Type.String() });
export type DevPluginRemoved = Static<typeof DevPluginRemoved>;
