import { Type, type Static } from 'typebox';

/*
 * What a plugin asks to reach beyond its own folder and data folder (manifest.json `permissions`).
 * Absent keys mean none. The backend grants the declared set at install and keeps it per plugin;
 * the plugin's process is started with exactly the granted set (docs/architecture.md#sandbox).
 */

/**
 * `host:port` a plugin may connect to: `api.github.com:443`, `*.example.com:443`, `127.0.0.1:*`,
 * `[::1]:8080`, or `*` for any host and port. Host names are lower case.
 */
export const NETWORK_PERMISSION_PATTERN =
  '^(\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*:(\\*|[0-9]{1,5})|\\*:(\\*|[0-9]{1,5})|\\[[0-9a-f:.]+\\]:(\\*|[0-9]{1,5}))$';
/** An environment variable name the plugin reads; its value is entered by an admin, per plugin. */
export const ENV_NAME_PATTERN = '^[A-Z_][A-Z0-9_]{0,127}$';
/** An absolute path to read, without `..`, `,` or a trailing `/`. */
export const READ_PATH_PATTERN = '^/((?!\\.\\.?(/|$))[^/,\\0]+(/(?!\\.\\.?(/|$))[^/,\\0]+)*)?$';

export const PluginPermissions = Type.Object(
  {
    network: Type.Optional(
      Type.Array(Type.String({ pattern: NETWORK_PERMISSION_PATTERN, maxLength: 260 }), {
        maxItems: 50,
        description: 'Hosts the plugin may connect to, as host:port (`*` allowed for the host, a leading label or the port)',
      }),
    ),
    listen: Type.Optional(Type.Boolean({ description: 'May listen on a port' })),
    env: Type.Optional(
      Type.Array(Type.String({ pattern: ENV_NAME_PATTERN }), {
        maxItems: 50,
        description: 'Environment variables whose values an admin enters for this plugin',
      }),
    ),
    read: Type.Optional(
      Type.Array(Type.String({ pattern: READ_PATH_PATTERN, maxLength: 500 }), {
        maxItems: 20,
        description: 'Absolute paths the plugin may read besides its own folder',
      }),
    ),
  },
  { $id: 'PluginPermissions', additionalProperties: false, description: 'What a plugin may reach beyond its own folders' },
);
export type PluginPermissions = Static<typeof PluginPermissions>;

/** The same set in one canonical form: every key present, lists sorted and without repeats. */
export function normalizePermissions(permissions?: PluginPermissions | null): Required<PluginPermissions> {
  const list = (values?: string[]) => [...new Set(values ?? [])].sort();
  return {
    network: list(permissions?.network),
    listen: permissions?.listen === true,
    env: list(permissions?.env),
    read: list(permissions?.read),
  };
}

/** One permission in words a user reads in a confirm dialog: `network api.github.com:443`, `listen`. */
export function permissionLabels(permissions?: PluginPermissions | null): string[] {
  const all = normalizePermissions(permissions);
  return [
    ...all.network.map((host) => `network ${host}`),
    ...(all.listen ? ['listen'] : []),
    ...all.env.map((name) => `env ${name}`),
    ...all.read.map((path) => `read ${path}`),
  ];
}

/** What `requested` asks for that `granted` does not hold, as labels; empty when nothing widens. */
export function addedPermissions(granted: PluginPermissions | null | undefined, requested: PluginPermissions | null | undefined): string[] {
  const held = new Set(permissionLabels(granted));
  return permissionLabels(requested).filter((label) => !held.has(label));
}

/** The normalized form on the wire: every key present (catalog entries, grants, plugin details). */
export const PermissionSet = Type.Object(
  {
    network: Type.Array(Type.String()),
    listen: Type.Boolean(),
    env: Type.Array(Type.String()),
    read: Type.Array(Type.String()),
  },
  { description: 'Permissions in canonical form: every key present, lists sorted, no repeats' },
);
export type PermissionSet = Static<typeof PermissionSet>;

/** Only what both sets hold: a process never gets more than its manifest now declares, nor more than was granted. */
export function intersectPermissions(a: PluginPermissions | null | undefined, b: PluginPermissions | null | undefined): PermissionSet {
  const left = normalizePermissions(a);
  const right = normalizePermissions(b);
  const both = (x: string[], y: string[]) => x.filter((value) => y.includes(value));
  return {
    network: both(left.network, right.network),
    listen: left.listen && right.listen,
    env: both(left.env, right.env),
    read: both(left.read, right.read),
  };
}

/** A label of permissionLabels() in plain words, for a confirm dialog: `Connect to api.github.com:443`. */
export function describePermission(label: string): string {
  const space = label.indexOf(' ');
  const kind = space < 0 ? label : label.slice(0, space);
  const value = space < 0 ? '' : label.slice(space + 1);
  if (kind === 'listen') return 'Listen on a port';
  if (kind === 'env') return `Use the setting ${value}`;
  if (kind === 'read') return `Read ${value}`;
  if (kind !== 'network') return label;
  if (value === '*') return 'Connect to any host on any port';
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (host === '*' || host.startsWith('*.')) {
    const where = host === '*' ? 'any host' : `any host under ${host.slice(2)}`;
    return `Connect to ${where} on ${port === '*' ? 'any port' : `port ${port}`}`;
  }
  return port === '*' ? `Connect to ${host} on any port` : `Connect to ${host}:${port}`;
}

/** What the schema's patterns cannot say: ports in 1..65535 and each entry listed once. */
export function permissionProblems(permissions: unknown): { path: string; message: string }[] {
  if (typeof permissions !== 'object' || permissions === null) return [];
  const problems: { path: string; message: string }[] = [];
  for (const key of ['network', 'env', 'read'] as const) {
    const list = (permissions as Record<string, unknown>)[key];
    if (!Array.isArray(list)) continue;
    list.forEach((value, index) => {
      if (typeof value !== 'string') return;
      if (list.indexOf(value) !== index) problems.push({ path: `permissions.${key}.${index}`, message: `'${value}' is listed twice` });
      const port = key === 'network' ? /:(\d+)$/.exec(value)?.[1] : undefined;
      if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
        problems.push({ path: `permissions.${key}.${index}`, message: `port ${port} is not in 1..65535` });
      }
    });
  }
  return problems;
}
