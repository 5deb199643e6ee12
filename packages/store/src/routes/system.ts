import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StoreHealth, StoreInfo } from '@oko/shared';
import type { StoreConfig } from '../config.js';
import type { StoreServices } from '../services/index.js';

/** How long /health waits for the database before calling it unreachable: a health check must answer quickly. */
const DATABASE_PING_MS = 2000;

/**
 * On PostgreSQL, why writes are refused right now, or null: the catalog is never read-only there
 * (reads go on from this replica's copy), but with the database down every write and token check
 * answers 503, which /health must say rather than "healthy".
 */
async function databaseProblem(services: StoreServices): Promise<string | null> {
  const db = services.backends.db;
  if (!db) return null;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), DATABASE_PING_MS);
  });
  try {
    await Promise.race([db.query('SELECT 1'), late]);
    return null;
  } catch {
    return (
      "The store database cannot be reached: reads are served from this replica's copy of the catalog; " +
      'publishes, deletes, reviews and requests with a token answer 503 DATABASE_UNAVAILABLE until it is back'
    );
  } finally {
    clearTimeout(timer);
  }
}

export const systemRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (
  app,
  { config, services },
) => {
  // Calls that arrive while a ping is out share it: a flood of health checks costs one connection, not the pool.
  let ping: Promise<string | null> | null = null;
  const pingDatabase = () =>
    (ping ??= databaseProblem(services).finally(() => {
      ping = null;
    }));
  // A read-only catalog is "degraded", still 200: the store serves reads, so a compose health check should let the backend start.
  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness, catalog size, and why writes are refused', response: { 200: StoreHealth } } },
    async (): Promise<StoreHealth> => {
      const reason = services.catalog.readOnlyReason ?? (await pingDatabase());
      return {
        status: reason === null ? 'healthy' : 'degraded',
        ...(reason === null ? {} : { reason }),
        version: config.version,
        storage_path: config.storagePath,
        plugins_count: (await services.catalog.list()).length,
        read_only: reason !== null,
      };
    },
  );

  app.get(
    '/info',
    { schema: { tags: ['system'], summary: 'Limits, auth and GitHub import settings', response: { 200: StoreInfo } } },
    async () => ({
      name: 'OKO Plugin Store',
      version: config.version,
      api_version: 'v1',
      read_only: services.catalog.readOnlyReason !== null,
      limits: {
        max_plugin_size_bytes: config.maxPluginSizeBytes,
        max_unpacked_bytes: config.maxUnpackedBytes,
        max_entries: config.maxEntries,
        upload_idle_timeout_ms: config.uploadIdleTimeoutMs,
        upload_deadline_ms: config.uploadDeadlineMs,
      },
      auth: { api_key_required: config.apiKey !== null },
      github: {
        api_url: config.github.apiUrl.href.replace(/\/$/, ''),
        web_host: config.github.webHost,
        download_hosts: config.github.downloadHosts,
        token_configured: config.github.token !== null,
      },
    }),
  );
};
