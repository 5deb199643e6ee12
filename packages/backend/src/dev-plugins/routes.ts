import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createError,
  DEV_MAX_BYTES,
  DEV_MAX_FILES,
  DevPluginParams,
  DevPluginPush,
  DevPluginRemoved,
  DevPluginStatus,
  errorResponses,
} from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { devPluginsRefusal } from './dev-access.js';
import type { DevPlugins } from './dev-plugin-service.js';

const tags = ['dev'];
/** base64 is 4/3 of the bytes; a path and the JSON around each file are bounded by the schema. */
const PUSH_BODY_LIMIT = Math.ceil((DEV_MAX_BYTES * 4) / 3) + DEV_MAX_FILES * 1024;
const always = ['DEV_PLUGINS_DISABLED', 'FORBIDDEN', 'UNAUTHORIZED', 'VALIDATION_FAILED'] as const;
const errors = errorResponses(...always, 'DEV_PLUGIN_NOT_FOUND');

export interface DevRoutesOptions {
  service: DevPlugins;
  config: BackendConfig;
}

/**
 * /api/v1/dev/plugins/{name}: the backend side of `oko-plugin dev` (README "Development
 * plugins"). Admin only by the access table's default; every route is refused with
 * DEV_PLUGINS_DISABLED unless development plugins are allowed (dev-access.ts), decided after
 * sign-in so a viewer hears FORBIDDEN like on every other write.
 */
export const devPluginRoutes: FastifyPluginAsyncTypebox<DevRoutesOptions> = async (app, { service, config }) => {
  app.addHook('onRequest', async (request) => {
    const refusal = devPluginsRefusal(config.devPlugins, config.host, request.authOn);
    if (refusal) throw createError('DEV_PLUGINS_DISABLED', refusal);
  });

  app.put(
    '/dev/plugins/:name',
    {
      bodyLimit: PUSH_BODY_LIMIT,
      schema: {
        tags,
        summary: "Send a development plugin's files (all with replace: true, then what changed) and reload it",
        description:
          '201 on the first push of a session, 200 after. A manifest.json or ui.yaml problem answers 200 with `refused`: ' +
          'the last good version keeps running. A push without replace to a plugin with no session is DEV_PLUGIN_NOT_FOUND.',
        params: DevPluginParams,
        body: DevPluginPush,
        response: {
          200: DevPluginStatus,
          201: DevPluginStatus,
          ...errorResponses(...always, 'DEV_PLUGIN_NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'PLUGIN_NAME_TAKEN', 'CROSS_SITE_REQUEST'),
        },
      },
    },
    async (request, reply) => {
      const { status, created } = await service.push(request.params.name, request.body);
      return reply.code(created ? 201 : 200).send(status);
    },
  );

  app.post(
    '/dev/plugins/:name/lease',
    {
      schema: {
        tags,
        summary: "Renew a development plugin's lease by the lease_s of its last push",
        params: DevPluginParams,
        response: { 200: DevPluginStatus, ...errors },
      },
    },
    async (request) => service.renew(request.params.name),
  );

  app.get(
    '/dev/plugins/:name',
    { schema: { tags, summary: 'State of a development plugin', params: DevPluginParams, response: { 200: DevPluginStatus, ...errors } } },
    async (request) => service.status(request.params.name),
  );

  app.get(
    '/dev/plugins/:name/logs',
    {
      schema: {
        tags,
        summary: "A development plugin's log lines and state changes (text/event-stream)",
        description:
          '`event: log` (DevLogEvent) per ctx.log line or printed line, `event: state` (DevStateEvent) first and on every change, ' +
          '`event: removed` (DevPluginRemoved) before the stream ends with the plugin; a comment line every 15 s.',
        params: DevPluginParams,
        response: errors,
      },
    },
    async (request, reply) => {
      // Checked before the stream starts, so an unknown plugin is an ordinary 404 answer.
      service.status(request.params.name);
      reply.hijack();
      service.openStream(request.params.name, reply.raw);
    },
  );

  app.delete(
    '/dev/plugins/:name',
    {
      schema: {
        tags,
        summary: 'Unload and remove a development plugin, its folder and its data now',
        params: DevPluginParams,
        response: { 200: DevPluginRemoved, ...errors },
      },
    },
    async (request) => service.remove(request.params.name),
  );
};
