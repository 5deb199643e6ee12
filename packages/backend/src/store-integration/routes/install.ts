import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ForceQuery,
  errorResponses,
  InstallAnswer,
  InstallRequest,
  StorePluginParams,
  UninstallAnswer,
  UpdateAnswer,
  UpdateRequest,
} from '@oko/shared';
import { Type } from 'typebox';
import type { PluginUpdatePort } from '../../versions/ports.js';

export interface InstallRoutesOptions {
  /** The outermost install/update/uninstall (the installer, wrapped by the dependency checks in index.ts). */
  updates: PluginUpdatePort;
}

const tags = ['store'];

/** Errors an install and an update share: the package, its checks, the store, the disk. */
const PACKAGE_ERRORS = [
  'VALIDATION_FAILED',
  'CROSS_SITE_REQUEST',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_NAME_TAKEN',
  'INSTALL_IN_PROGRESS',
  'CHECKSUM_MISMATCH',
  'INVALID_PACKAGE',
  'INCOMPATIBLE',
  'DEPENDENCIES_REQUIRED',
  'DEPENDENCY_CONFLICT',
  'PLUGINS_DIR_NOT_WRITABLE',
  'STORE_UNAVAILABLE',
  'BAD_STORE_ANSWER',
  'INSUFFICIENT_STORAGE',
] as const;

/** POST /store/{id}/install, update and uninstall (README "Installing a version, updates, rollback and the package cache"). */
export const installRoutes: FastifyPluginAsyncTypebox<InstallRoutesOptions> = async (app, { updates }) => {
  app.post(
    '/store/:plugin_id/install',
    {
      schema: {
        tags,
        summary: "Install a plugin from the store (a version's catalog id, or the name for the newest)",
        description:
          'With the store unavailable, a catalog id (or a name: its newest kept version) found in the package cache is installed from there, with the same checks. ' +
          '409 DEPENDENCIES_REQUIRED (details: the plan) unless {"accept_dependencies": true}; a planned dependency whose package asks for more than the plan showed is 409 PERMISSIONS_CHANGED, and nothing is installed. The body is optional.',
        params: StorePluginParams,
        body: Type.Union([InstallRequest, Type.Null()], { description: 'Optional' }),
        response: { 200: InstallAnswer, ...errorResponses(...PACKAGE_ERRORS, 'ALREADY_INSTALLED', 'PERMISSIONS_CHANGED') },
      },
    },
    async (request) =>
      updates.install(request.params.plugin_id, {
        acceptDependencies: request.body?.accept_dependencies === true,
        ...(request.body?.expect ? { expected: request.body.expect } : {}),
        ...(request.body?.expect ? { expected: request.body.expect } : {}),
      }),
  );

  app.post(
    '/store/:plugin_id/update',
    {
      schema: {
        tags,
        summary: 'Move an installed plugin to the store version {id} names (catalog id of that version, or the name for the newest)',
        description:
          '404 NOT_INSTALLED when the plugin is not installed; 409 NO_NEWER_VERSION when that version is the one installed; 409 DOWNGRADE when it is older, unless {"allow_downgrade": true}; ' +
          '409 PERMISSIONS_CHANGED (details.added lists each added permission) when the new version asks for more than was granted, unless {"accept_permissions": true}. ' +
          'An active plugin is loaded at the new version and watched for OKO_UPDATE_HEALTH_WINDOW_S: last_update.result is "watching", and becomes "rolled_back" (with the reason) if it fails to load or its process dies in the window, else "updated". The body is optional.',
        params: StorePluginParams,
        body: Type.Union([UpdateRequest, Type.Null()], { description: 'Optional' }),
        response: {
          200: UpdateAnswer,
          ...errorResponses(
            ...PACKAGE_ERRORS,
            'NOT_INSTALLED',
            'NO_NEWER_VERSION',
            'DOWNGRADE',
            'PERMISSIONS_CHANGED',
            'ILLEGAL_TRANSITION',
            'PLUGIN_LOAD_FAILED',
          ),
        },
      },
    },
    async (request) =>
      updates.update(request.params.plugin_id, {
        acceptPermissions: request.body?.accept_permissions === true,
        allowDowngrade: request.body?.allow_downgrade === true,
        acceptDependencies: request.body?.accept_dependencies === true,
        ...(request.body?.expect ? { expected: request.body.expect } : {}),
      }),
  );

  app.post(
    '/store/:plugin_id/uninstall',
    {
      schema: {
        tags,
        summary: 'Uninstall by installed name or store id (its data folder and kept packages stay)',
        description: '409 IN_USE (details.dependents) when installed plugins depend on it, unless ?force=true, which unloads them first.',
        params: StorePluginParams,
        querystring: ForceQuery,
        response: {
          200: UninstallAnswer,
          ...errorResponses(
            'VALIDATION_FAILED',
            'CROSS_SITE_REQUEST',
            'NOT_INSTALLED',
            'ILLEGAL_TRANSITION',
            'INSTALL_IN_PROGRESS',
            'PLUGINS_DIR_NOT_WRITABLE',
            'IN_USE',
          ),
        },
      },
    },
    async (request) => updates.uninstall(request.params.plugin_id, { force: request.query.force === true }),
  );
};
