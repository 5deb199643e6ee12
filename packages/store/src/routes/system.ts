import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StoreHealth, StoreInfo } from '@oko/shared';
import type { StoreConfig } from '../config.js';
import type { StoreServices } from '../services/index.js';

export const systemRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (
  app,
  { config, services },
) => {
  app.get('/health', { schema: { tags: ['system'], summary: 'Liveness and catalog size', response: { 200: StoreHealth } } }, async () => ({
    status: 'healthy' as const,
    version: config.version,
    storage_path: config.storagePath,
    plugins_count: (await services.catalog.list()).length,
    read_only: services.catalog.readOnlyReason !== null,
  }));

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
