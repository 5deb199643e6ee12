import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createError,
  errorResponses,
  GITHUB_IMPORT_ERRORS,
  ForceQuery,
  GithubImportRequest,
  InstallAnswer,
  InstallRequest,
  nonFiniteField,
  StoreHealthReport,
  StoreListing,
  StoreListQuery,
  StorePluginParams,
  StorePluginView,
  StoreUploadAnswer,
  UninstallAnswer,
  UpdateAnswer,
  UpdateRequest,
  UPLOAD_ZIP_ERRORS,
  UploadZipForm,
} from '@oko/shared';
import { Type } from 'typebox';
import type { StoreCatalog } from './catalog/store-catalog.js';
import type { StoreClient } from './client/store-client.js';
import { forwardableUpload } from './client/upload-limit.js';
import type { PluginInstaller } from './installer/plugin-installer.js';
import type { PluginUpdatePort } from '../versions/ports.js';
import { assertLocalCaller } from './local-caller.js';

export interface StoreRoutesOptions {
  catalog: StoreCatalog;
  installer: PluginInstaller;
  /** Install, update and uninstall with engines, dependency plans and IN_USE (versions/dependencies). */
  updates: PluginUpdatePort;
  client: StoreClient;
  maxUploadBytes: number;
  /** OKO_STORE_URL, named in the refusal of a remote upload as the way to upload directly. */
  storeUrl: string;
}

const tags = ['store'];

/** /store: the dashboard's view of the Plugin Store, install, update and uninstall (README.md, Store integration (backend)). */
export const storeRoutes: FastifyPluginAsyncTypebox<StoreRoutesOptions> = async (
  app,
  { catalog, updates, client, maxUploadBytes, storeUrl },
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
        response: { 200: StoreListing, ...errorResponses('VALIDATION_FAILED', 'BAD_STORE_ANSWER') },
      },
    },
    async (request) => {
      const field = nonFiniteField(request.query);
      if (field) throw createError('VALIDATION_FAILED', `querystring/${field} must be a finite integer`);
      return catalog.list(request.query);
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

  app.post(
    '/store/:plugin_id/install',
    {
      schema: {
        tags,
        summary: 'Install a plugin from the store',
        params: StorePluginParams,
        body: Type.Union([InstallRequest, Type.Null()], { description: 'Optional' }),
        response: {
          200: InstallAnswer,
          ...errorResponses(
            'VALIDATION_FAILED',
            'INCOMPATIBLE',
            'DEPENDENCIES_REQUIRED',
            'DEPENDENCY_CONFLICT',
            'CROSS_SITE_REQUEST',
            'PLUGIN_NOT_FOUND',
            'ALREADY_INSTALLED',
            'PLUGIN_NAME_TAKEN',
            'INSTALL_IN_PROGRESS',
            'CHECKSUM_MISMATCH',
            'INVALID_PACKAGE',
            'PLUGINS_DIR_NOT_WRITABLE',
            'STORE_UNAVAILABLE',
            'BAD_STORE_ANSWER',
            'INSUFFICIENT_STORAGE',
          ),
        },
      },
    },
    async (request) => updates.install(request.params.plugin_id, { acceptDependencies: request.body?.accept_dependencies === true }),
  );

  app.post(
    '/store/:plugin_id/update',
    {
      schema: {
        tags,
        summary: 'Update an installed plugin to a newer store version (catalog id of that version, or the name for the newest)',
        description:
          '404 NOT_INSTALLED when the plugin is not installed; 409 NO_NEWER_VERSION when the store version is not semver-greater than the installed one; ' +
          '409 PERMISSIONS_CHANGED (details.added lists each added permission) when the new version asks for more than was granted, unless the body says {"accept_permissions": true}. The body is optional.',
        params: StorePluginParams,
        body: Type.Union([UpdateRequest, Type.Null()], { description: 'Optional' }),
        response: {
          200: UpdateAnswer,
          ...errorResponses(
            'VALIDATION_FAILED',
            'CROSS_SITE_REQUEST',
            'NOT_INSTALLED',
            'PLUGIN_NOT_FOUND',
            'NO_NEWER_VERSION',
            'PERMISSIONS_CHANGED',
            'INCOMPATIBLE',
            'DEPENDENCIES_REQUIRED',
            'DEPENDENCY_CONFLICT',
            'PLUGIN_NAME_TAKEN',
            'INSTALL_IN_PROGRESS',
            'ILLEGAL_TRANSITION',
            'CHECKSUM_MISMATCH',
            'INVALID_PACKAGE',
            'PLUGIN_LOAD_FAILED',
            'PLUGINS_DIR_NOT_WRITABLE',
            'STORE_UNAVAILABLE',
            'BAD_STORE_ANSWER',
            'INSUFFICIENT_STORAGE',
          ),
        },
      },
    },
    async (request) =>
      updates.update(request.params.plugin_id, {
        acceptPermissions: request.body?.accept_permissions === true,
        allowDowngrade: request.body?.allow_downgrade === true,
        acceptDependencies: request.body?.accept_dependencies === true,
      }),
  );

  app.post(
    '/store/:plugin_id/uninstall',
    {
      schema: {
        tags,
        summary: 'Uninstall by installed name or store id',
        description: '409 IN_USE (details.dependents) when installed plugins depend on it, unless ?force=true, which unloads them first.',
        params: StorePluginParams,
        querystring: ForceQuery,
        response: {
          200: UninstallAnswer,
          ...errorResponses(
            'VALIDATION_FAILED',
            'IN_USE',
            'CROSS_SITE_REQUEST',
            'NOT_INSTALLED',
            'ILLEGAL_TRANSITION',
            'INSTALL_IN_PROGRESS',
            'PLUGINS_DIR_NOT_WRITABLE',
          ),
        },
      },
    },
    async (request) => updates.uninstall(request.params.plugin_id, { force: request.query.force === true }),
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
