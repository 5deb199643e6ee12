import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StoreHealth, StoreInfo } from '@oko/shared';
import type { StoreConfig } from '../config.js';
import { BackendHealth } from '../services/backend-health.js';
import type { StoreServices } from '../services/index.js';

export const systemRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (
  app,
  { config, services },
) => {
  const backendHealth = new BackendHealth(services.backends, app.log);
  // A read-only catalog, or a database or bucket that does not answer, is "degraded", still 200: the
  // store serves reads (from its copy), so a compose health check should let the backend start.
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness, catalog size, why writes are refused, and whether PostgreSQL and the package bucket answer',
        response: { 200: StoreHealth },
      },
    },
    async (): Promise<StoreHealth> => {
      const { fields, problems } = await backendHealth.report();
      const readOnly = services.catalog.readOnlyReason;
      const reasons = [...(readOnly === null ? [] : [readOnly]), ...problems];
      return {
        status: reasons.length === 0 ? 'healthy' : 'degraded',
        ...(reasons.length === 0 ? {} : { reason: reasons.join('; ') }),
        version: config.version,
        storage_path: config.storagePath,
        plugins_count: (await services.catalog.list()).length,
        // On PostgreSQL every write and token check answers 503 while the database is away.
        read_only: readOnly !== null || fields.database?.reachable === false,
        ...fields,
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
      backends: { catalog: config.database ? 'postgresql' : 'json', packages: config.blobs ? 's3' : 'local' } as const,
    }),
  );
};
