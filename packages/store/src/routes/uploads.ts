import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createError,
  errorResponses,
  formatIssue,
  GITHUB_IMPORT_ERRORS,
  GithubImportRequest,
  isCodedError,
  UPLOAD_ZIP_ERRORS,
  UploadResult,
  UploadZipForm,
  sharedPathName,
  uiConfigWarnings,
} from '@oko/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoreConfig } from '../config.js';
import { callerOf } from '../lib/api-key.js';
import { tooLargeError } from '../lib/streams.js';
import { UploadDeadline } from '../lib/upload-deadline.js';
import type { CatalogRecord } from '../services/catalog-record.js';
import type { StoreServices } from '../services/index.js';

/** Room for multipart boundaries and part headers around the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * busboy's own errors (no boundary, a body that ends before its closing boundary, a bad part
 * header) are plain Errors without a code: the client sent a broken body, so 400, not 500.
 * Errors with a code (size and part limits, premature close) keep their mapping in the error handler.
 */
function malformedMultipart(error: unknown): unknown {
  if (!(error instanceof Error) || isCodedError(error)) return error;
  return createError('BAD_REQUEST', `The multipart/form-data body is malformed: ${error.message}`);
}

/**
 * What the package may keep but should know: deprecated fields, and a name or API prefix another
 * plugin of this catalog holds (a dashboard refuses to install the second of the two).
 */
async function uploadResult(record: CatalogRecord, how: string, { catalog, plugins }: StoreServices) {
  const warnings = uiConfigWarnings(record.ui).map(formatIssue);
  const clash = sharedPathName(record.name, record.ui, await catalog.list());
  if (clash) {
    warnings.push(
      `'${clash.name}' is also the name or API prefix of plugin '${clash.other}' in this store: a dashboard refuses to install one beside the other`,
    );
  }
  const message = `Plugin ${record.name} ${record.version} ${how}`;
  return {
    success: true,
    plugin_id: record.id,
    message,
    plugin: await plugins.present(record),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export const uploadRoutes: FastifyPluginAsyncTypebox<{ config: StoreConfig; services: StoreServices }> = async (
  app,
  { config, services },
) => {
  const auth = services.auth.publish;

  /** A body announced as too large is refused before a byte of it is read. */
  const refuseOversized = async (request: FastifyRequest) => {
    const length = Number(request.headers['content-length']);
    if (length > config.maxPluginSizeBytes + MULTIPART_OVERHEAD_BYTES) throw tooLargeError(config.maxPluginSizeBytes);
  };

  /** Receives the ZIP once the upload has its place (UploadSlots). */
  const receiveZip = async (request: FastifyRequest, reply: FastifyReply, deadline: UploadDeadline) => {
    const part = await deadline.race(request.file()).catch((error: unknown) => {
      deadline.stop();
      throw malformedMultipart(error);
    });
    if (!part || part.fieldname !== 'file') {
      deadline.stop();
      part?.file.resume();
      throw createError('BAD_REQUEST', "Send the plugin ZIP as multipart/form-data field 'file'");
    }
    deadline.guard(part.file);
    // busboy reports a broken body (no closing boundary, a bad part header) on the file stream,
    // and may hand the import its own error for the same cause.
    let sourceFailed = false;
    part.file.once('error', () => (sourceFailed = true));
    // Cut off before its end, the rest of the body stays unread until the error handler's bounded discard.
    const stopReading = () => {
      request.raw.unpipe();
      request.raw.pause();
    };
    const record = await services.archives.importStream(part.file, callerOf(request), stopReading).catch((error: unknown) => {
      throw sourceFailed ? malformedMultipart(error) : error;
    });
    return reply.status(201).send(await uploadResult(record, 'uploaded', services));
  };

  app.post(
    '/plugins/upload/zip',
    {
      onRequest: [auth, refuseOversized],
      // The docs show the form; validation stays with the stream reader (see UploadZipForm).
      config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: UploadZipForm }, url }) },
      schema: {
        tags: ['uploads'],
        summary: 'Upload a plugin ZIP as multipart/form-data field "file"',
        consumes: ['multipart/form-data'],
        response: {
          201: UploadResult,
          ...errorResponses(...UPLOAD_ZIP_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const deadline = new UploadDeadline(config.uploadDeadlineMs);
      const slot = services.uploadSlots.take();
      try {
        await deadline.race(slot.ready);
        return await receiveZip(request, reply, deadline);
      } finally {
        slot.release();
      }
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
        response: {
          201: UploadResult,
          ...errorResponses(...GITHUB_IMPORT_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const record = await services.github.import(request.body, callerOf(request));
      return reply.status(201).send(await uploadResult(record, `imported from ${record.source_url}`, services));
    },
  );
};
