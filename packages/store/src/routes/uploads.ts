import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createError, GithubImportRequest, UploadResult } from '@oko/shared';
import type { FastifyRequest } from 'fastify';
import type { StoreConfig } from '../config.js';
import { requireApiKey } from '../lib/api-key.js';
import { tooLargeError } from '../lib/streams.js';
import { toCatalogEntry, type CatalogRecord } from '../services/catalog-record.js';
import type { StoreServices } from '../services/index.js';
import { errors } from './schemas.js';

/** Room for multipart boundaries and part headers around the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

function uploadResult(record: CatalogRecord, how: string) {
  return { success: true, plugin_id: record.id, message: `Plugin ${record.name} ${record.version} ${how}`, plugin: toCatalogEntry(record) };
}

export const uploadRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (app, { config, services }) => {
  const auth = requireApiKey(config.apiKey);

  /** A body announced as too large is refused before a byte of it is read. */
  const refuseOversized = async (request: FastifyRequest) => {
    const length = Number(request.headers['content-length']);
    if (length > config.maxPluginSizeBytes + MULTIPART_OVERHEAD_BYTES) throw tooLargeError(config.maxPluginSizeBytes);
  };

  app.post(
    '/plugins/upload/zip',
    {
      onRequest: [auth, refuseOversized],
      schema: {
        tags: ['uploads'],
        summary: 'Upload a plugin ZIP as multipart/form-data field "file"',
        consumes: ['multipart/form-data'],
        response: { 201: UploadResult, ...errors(400, 401, 409, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const part = await request.file();
      if (!part || part.fieldname !== 'file') {
        part?.file.resume();
        throw createError('BAD_REQUEST', "Send the plugin ZIP as multipart/form-data field 'file'", 400);
      }
      const record = await services.archives.importStream(part.file);
      return reply.status(201).send(uploadResult(record, 'uploaded'));
    },
  );

  app.post(
    '/plugins/upload/github',
    {
      onRequest: auth,
      schema: {
        tags: ['uploads'],
        summary: 'Import a plugin from a GitHub repository (zipball of a branch, optionally a subdirectory)',
        body: GithubImportRequest,
        response: { 201: UploadResult, ...errors(400, 401, 404, 409, 413, 422, 502, 503) },
      },
    },
    async (request, reply) => {
      const record = await services.github.import(request.body);
      return reply.status(201).send(uploadResult(record, `imported from ${record.source_url}`));
    },
  );
};
