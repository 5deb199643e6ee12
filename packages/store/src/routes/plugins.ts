import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CatalogEntry,
  createError,
  DeleteResult,
  errorResponses,
  nonFiniteField,
  StorePluginList,
  StorePluginListQuery,
  StorePluginPath,
} from '@oko/shared';
import { Type } from '@fastify/type-provider-typebox';
import { ifNoneMatch } from '@oko/shared/server';
import type { StoreConfig } from '../config.js';
import { callerOf } from '../lib/api-key.js';
import { summarizePage } from '../services/catalog-summary.js';
import { listKey } from '../services/catalog-view.js';
import type { StoreServices } from '../services/index.js';
import { sendCachedAnswer } from './cached-answer.js';
import { PluginIdParams } from './schemas.js';
import { assetRoutes } from './assets.js';
import { versionRoutes } from './versions.js';

export const pluginRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (app, { services }) => {
  const { plugins, installs, identity } = services;
  await app.register(versionRoutes, { services });
  await app.register(assetRoutes, { services });

  app.get(
    '/plugins',
    {
      schema: {
        tags: ['plugins'],
        summary:
          'Search the catalog: one entry per plugin name (its newest version, with versions_count), or every version with all_versions=true; each as a summary; sort by name (default), newest, rating or installs',
        querystring: StorePluginListQuery,
        response: { 200: StorePluginList, ...errorResponses('VALIDATION_FAILED') },
      },
    },
    // Not async: a cached answer goes out synchronously (sendCachedAnswer).
    (request, reply) => {
      const field = nonFiniteField(request.query);
      if (field) throw createError('VALIDATION_FAILED', `querystring/${field} must be a finite integer`);
      return sendCachedAnswer(request, reply, plugins, listKey(request.query), async (view) =>
        summarizePage(await plugins.search(request.query, view)),
      );
    },
  );

  app.get(
    '/plugins/:id',
    {
      schema: {
        tags: ['plugins'],
        summary: 'One catalog entry',
        params: PluginIdParams,
        response: { 200: CatalogEntry, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND') },
      },
    },
    (request, reply) =>
      sendCachedAnswer(request, reply, plugins, `entry\n${request.params.id}`, (view) => plugins.entryOf(request.params.id, view)),
  );

  app.get(
    '/plugins/:id/path',
    {
      schema: {
        tags: ['plugins'],
        summary: 'Folder of the extracted plugin on the store host',
        params: PluginIdParams,
        response: { 200: StorePluginPath, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND') },
      },
    },
    async (request) => plugins.pathOf(request.params.id),
  );

  app.get(
    '/plugins/:id/download',
    {
      schema: {
        tags: ['plugins'],
        summary:
          'The plugin as a normalized ZIP (plugin at its root); X-Checksum-Sha256 and Content-Length match the catalog entry. ' +
          'Counted for the name, with the downloader when it names itself (dashboard token, else X-OKO-Instance)',
        params: PluginIdParams,
        response: {
          200: Type.Unknown({ description: 'application/zip' }),
          304: Type.Unknown({ description: 'packages in S3: If-None-Match names its ETag' }),
          ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'PACKAGE_INTEGRITY_ERROR', 'BLOB_STORAGE_UNAVAILABLE'),
        },
      },
    },
    async (request, reply) => {
      const pkg = await plugins.packageOf(request.params.id);
      const etag = `"${pkg.sha256}"`;
      if (pkg.file === null) {
        // From S3: a catalog id names one package forever (a plugin name moves to each new version).
        if (pkg.record.id === request.params.id) reply.header('cache-control', 'public, max-age=31536000, immutable');
        if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.header('etag', etag).code(304).send();
      }
      // A HEAD (Fastify answers it with this handler) downloads nothing. A GET counts once the whole
      // package went out: a request dropped after the headers is no download, and earns no verified_install.
      const downloader = request.method === 'GET' ? await identity.downloaderOf(request) : undefined;
      // Opened before the count is armed: a blob refused here (missing, another size) answers an error, which is no download.
      // A HEAD of a blob reads nothing from the bucket; an empty stream keeps the Content-Length set above.
      const body = request.method === 'HEAD' && pkg.file === null ? Readable.from([]) : await pkg.open();
      if (downloader !== undefined) {
        // 'finish' alone misses a client that hangs up the moment it holds Content-Length bytes (curl, wget):
        // the last byte is out before the file read sees its end, and the hang-up can come first. So every byte
        // handed on counts as a whole download (a blob whose bytes are wrong withholds its last chunk; a client
        // that stops reading stops the read well before the end).
        let sent = 0;
        body.on('data', (chunk: Buffer) => (sent += chunk.length));
        reply.raw.once('close', () => {
          if (reply.raw.writableFinished || sent === pkg.size) installs.record(pkg.record.name, pkg.record.version, downloader);
        });
      }
      return reply
        .type('application/zip')
        .header('content-length', pkg.size)
        .header('x-checksum-sha256', pkg.sha256)
        .header('etag', etag)
        .header('content-disposition', `attachment; filename="${pkg.record.name}-${pkg.record.version}.zip"`)
        .send(body);
    },
  );

  app.delete(
    '/plugins/:id',
    {
      onRequest: services.auth.publish,
      schema: {
        tags: ['plugins'],
        summary: 'Remove an entry and its files (catalog id only)',
        params: PluginIdParams,
        response: {
          200: DeleteResult,
          ...errorResponses(
            'VALIDATION_FAILED',
            'UNAUTHORIZED',
            'CROSS_SITE_REQUEST',
            'PLUGIN_NOT_FOUND',
            'CATALOG_READ_ONLY',
            'NOT_OWNER',
            'TOKEN_NOT_ALLOWED',
          ),
        },
      },
    },
    async (request) => {
      const record = await plugins.remove(request.params.id, callerOf(request));
      return { success: true, plugin_id: record.id, message: `Plugin ${record.name} ${record.version} removed from the store` };
    },
  );
};
