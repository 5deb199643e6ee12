import { Type, type Static } from 'typebox';

// The store's own state: GET /health and GET /info (routes/system.ts), relayed in part by the backend.

export const StoreHealth = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded')], {
    description:
      'degraded: the store serves reads but refuses writes, or its database or package bucket cannot be reached; `reason` says why (still a 200, so a health check lets clients start)',
  }),
  reason: Type.Optional(Type.String()),
  version: Type.String(),
  storage_path: Type.String(),
  plugins_count: Type.Integer(),
  read_only: Type.Boolean({
    description:
      'true when writes are refused: plugins.json is missing, unreadable or partly bad, or (on PostgreSQL) the database cannot be reached',
  }),
  database: Type.Optional(
    Type.Object(
      {
        reachable: Type.Boolean({ description: 'PostgreSQL answered a query just now, within a second' }),
        change_feed: Type.Boolean({
          description: "This replica's LISTEN connection is up; while it is down, other replicas' writes reach this replica late",
        }),
      },
      { description: 'With the catalog in PostgreSQL (OKO_STORE_DATABASE_URL) only' },
    ),
  ),
  blob_store: Type.Optional(
    Type.Object(
      { reachable: Type.Boolean({ description: 'The package bucket answered a HEAD just now, within a second' }) },
      { description: 'With packages in S3-compatible storage (OKO_STORE_BLOB_URL) only' },
    ),
  ),
});
export type StoreHealth = Static<typeof StoreHealth>;

export const StoreInfo = Type.Object({
  name: Type.String(),
  version: Type.String(),
  api_version: Type.String(),
  read_only: Type.Boolean(),
  limits: Type.Object({
    max_plugin_size_bytes: Type.Integer(),
    max_unpacked_bytes: Type.Integer(),
    max_entries: Type.Integer(),
    upload_idle_timeout_ms: Type.Integer(),
    upload_deadline_ms: Type.Integer({ description: 'An upload still sending after this long is refused with 408' }),
  }),
  auth: Type.Object({ api_key_required: Type.Boolean() }),
  github: Type.Object({
    api_url: Type.String(),
    web_host: Type.String({ description: 'Host accepted in repo_url' }),
    download_hosts: Type.Array(Type.String(), { description: 'Hosts the zipball download may redirect to' }),
    token_configured: Type.Boolean(),
  }),
  backends: Type.Optional(
    Type.Object(
      {
        catalog: Type.Union([Type.Literal('json'), Type.Literal('postgresql')]),
        packages: Type.Union([Type.Literal('local'), Type.Literal('s3')]),
      },
      { description: 'Where the catalog (plugins.json or PostgreSQL) and the packages (local disk or S3) are kept' },
    ),
  ),
});
export type StoreInfo = Static<typeof StoreInfo>;
