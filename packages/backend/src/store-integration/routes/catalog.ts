import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  createError,
  errorResponses,
  GITHUB_IMPORT_ERRORS,
  GithubImportRequest,
  nonFiniteField,
  PluginNameParams,
  StoreHealthReport,
  StoreListing,
  StoreListQuery,
  StorePluginParams,
  StorePluginView,
  StoreVersionsListing,
  StoreUploadAnswer,
  UPLOAD_ZIP_ERRORS,
  UploadZipForm,
} from '@oko/shared';
import { ifNoneMatch } from '@oko/shared/server';
import { versionListing } from '../catalog/version-listing.js';
import type { PackageCache } from '../../versions/package-cache/package-cache.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';
import type { StoreCatalog } from '../catalog/store-catalog.js';
import type { StoreClient } from '../client/store-client.js';
import { forwardableUpload } from '../client/upload-limit.js';
import { assertLocalCaller } from '../local-caller.js';

export interface CatalogRoutesOptions {
  catalog: StoreCatalog;
  client: StoreClient;
  plugins: PluginRegistryPort;
  /** The kept packages: GET /store/{name}/versions marks them, and lists them alone with the store down. */
  cache?: PackageCache;
  maxUploadBytes: number;
  /** OKO_STORE_URL, named in the refusal of a remote upload as the way to upload directly. */
  storeUrl: string;
}

const tags = ['store'];

/** /store: the dashboard's view of the Plugin Store, its version histories and uploads (README.md, Store integration (backend)). */
export const catalogRoutes: FastifyPluginAsyncTypebox<CatalogRoutesOptions> = async (
  app,
  { catalog, client, plugins, cache, maxUploadBytes, storeUrl },
) => {
  // Before the body is read: a refused upload costs the backend nothing.
  const localCallersOnly = async (request: { ip: string; url: string }) => assertLocalCaller(request, storeUrl);

  app.get(
    '/store',
    {
      schema: {
        tags,
        summary: 'List plugins in the store',
        querystring: StoreListQuery,
        response: {
          200: StoreListing,
          304: Type.Null({ description: 'Not Modified: If-None-Match names the current ETag; no body' }),
          ...errorResponses('VALIDATION_FAILED', 'BAD_STORE_ANSWER'),
        },
      },
    },
    async (request, typedReply) => {
      const field = nonFiniteField(request.query);
      if (field) throw createError('VALIDATION_FAILED', `querystring/${field} must be a finite integer`);
      const page = await catalog.listPage(request.query);
      if (page.etag === undefined) return page.listing;
      // The typed reply takes only the listing object; this one sends it as bytes serialized once.
      const reply = typedReply as unknown as FastifyReply;
      // The ETag names the store's page, the installed plugins and the query: a browser's copy is current when it matches.
      void reply.header('etag', page.etag);
      if (ifNoneMatch(request.headers['if-none-match'], page.etag)) return reply.code(304).send();
      // By this route's own serializer, once per page: the bytes every answer had, without the work per request.
      page.body ??= Buffer.from(reply.serialize(page.listing) as string);
      return reply.type('application/json; charset=utf-8').send(page.body);
    },
  );

  app.get(
    '/store/health',
    { schema: { tags, summary: 'Store availability and answer time', response: { 200: StoreHealthReport } } },
    async () => catalog.health(),
  );

  app.get(
    '/store/:plugin_id',
    {
      schema: {
        tags,
        summary: 'A store plugin',
        params: StorePluginParams,
        response: {
          200: StorePluginView,
          ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'STORE_UNAVAILABLE', 'BAD_STORE_ANSWER'),
        },
      },
    },
    async (request) => catalog.get(request.params.plugin_id),
  );

  app.get(
    '/store/:name/versions',
    {
      schema: {
        tags,
        summary: "A plugin's versions in the store, with the installed and the kept (cached) ones marked",
        description: 'With the store unavailable: available false, the reason, and the kept versions only (installable offline).',
        params: PluginNameParams,
        response: { 200: StoreVersionsListing, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'BAD_STORE_ANSWER') },
      },
    },
    async (request) => versionListing(client, plugins, cache, request.params.name),
  );

  app.post(
    '/store/upload/github',
    {
      onRequest: localCallersOnly,
      schema: {
        tags,
        summary: "Import from GitHub into the store (with the backend's API key)",
        body: GithubImportRequest,
        response: {
          200: StoreUploadAnswer,
          201: StoreUploadAnswer,
          ...errorResponses(...GITHUB_IMPORT_ERRORS, 'STORE_UNAVAILABLE', 'BAD_STORE_ANSWER', 'UPLOAD_LOCAL_ONLY'),
        },
      },
    },
    async (request, reply) => {
      const answer = await client.importFromGithub(request.body);
      return reply.status(answer.status).send(answer.body);
    },
  );

  // Own context: the raw multipart stream is handed on untouched, only for this route.
  await app.register(async (upload) => {
    upload.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));
    upload.post(
      '/store/upload/zip',
      {
        // The docs show the form; the body itself is streamed on to the store unparsed.
        onRequest: localCallersOnly,
        config: { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: UploadZipForm }, url }) },
        schema: {
          tags,
          summary: "Upload a ZIP to the store (multipart field 'file', with the backend's API key)",
          consumes: ['multipart/form-data'],
          response: {
            200: StoreUploadAnswer,
            201: StoreUploadAnswer,
            ...errorResponses(...UPLOAD_ZIP_ERRORS, 'STORE_UNAVAILABLE', 'BAD_STORE_ANSWER', 'UPLOAD_LOCAL_ONLY'),
          },
        },
      },
      async (request, reply) => {
        const body = forwardableUpload(request.body, request.headers, maxUploadBytes);
        const answer = await client.forwardZipUpload(body, request.headers['content-type'] as string);
        return reply.status(answer.status).send(answer.body);
      },
    );
  });
};
