import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createError,
  errorResponses,
  ForceQuery,
  PageManifestAnswer,
  PLUGIN_OPERATIONS,
  PluginDetails,
  PluginList,
  PluginRegistry,
} from '@oko/shared';
import { Type } from 'typebox';
import { findFileInside } from '../lib/safe-path.js';
import { isHtml, pageManifestOf, readStaticPage, withBridgeClient, withoutCustomBundle } from '../plugin-manager/plugin-pages.js';
import { guardDependents } from '../versions/dependencies/index.js';
import { PluginIdParams, pluginId } from './plugin-id.js';
import { pluginContent, sendPluginReply, toPluginRequest } from './plugin-reply.js';

const tags = ['plugins'];
const errors = errorResponses('INVALID_PLUGIN_ID', 'VALIDATION_FAILED', 'PLUGIN_NOT_FOUND');

/**
 * Plugin management under /api/v1/plugins. These paths take precedence over the routes plugins
 * register under /api/v1/plugins/{api_prefix}/* (static segments win in Fastify's router), so
 * a plugin cannot serve GET manifest, page or static/*, nor POST load/unload/reload/enable/disable.
 */
export const pluginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const manager = app.pluginManager;

  app.get('/plugins', { schema: { tags, summary: 'Installed plugins with their state', response: { 200: PluginList } } }, async () => {
    const plugins = await manager.list();
    const versions = await Promise.all(
      plugins.map((plugin) => (plugin.scope === 'external' ? app.pluginVersions.stateOf(plugin.id) : undefined)),
    );
    return { plugins: plugins.map((plugin, i) => (versions[i] ? { ...plugin, versions: versions[i] } : plugin)), total: plugins.length };
  });

  app.get(
    '/plugins/registry',
    { schema: { tags, summary: 'Capabilities, actions, menu entries and widgets of active plugins', response: { 200: PluginRegistry } } },
    async () => app.pluginGateway.registry(),
  );

  app.get(
    '/plugins/:id',
    { schema: { tags, summary: 'Full details of one plugin', params: PluginIdParams, response: { 200: PluginDetails, ...errors } } },
    async (request) => {
      const id = pluginId(request.params);
      const details = await manager.get(id);
      if (!details) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the plugins folder`);
      const versions = details.scope === 'external' ? { versions: await app.pluginVersions.stateOf(id) } : {};
      return { ...details, ...versions, permissions: await app.pluginGrants.view(id, details.manifest?.permissions) };
    },
  );

  for (const operation of PLUGIN_OPERATIONS) {
    // Stopping a plugin that running plugins depend on is IN_USE unless ?force=true (README "Engines and dependencies").
    const stops = operation === 'unload' || operation === 'disable';
    app.post(
      `/plugins/:id/${operation}`,
      {
        schema: {
          tags,
          summary: `${operation} a plugin; answers its new state`,
          ...(stops
            ? {
                description:
                  '409 IN_USE (details.dependents) while active plugins depend on it, unless ?force=true, which unloads them first.',
              }
            : {}),
          params: PluginIdParams,
          querystring: ForceQuery,
          response: {
            200: PluginDetails,
            ...errorResponses(
              'INVALID_PLUGIN_ID',
              'PLUGIN_NOT_FOUND',
              'CROSS_SITE_REQUEST',
              'ILLEGAL_TRANSITION',
              'PLUGIN_LOAD_FAILED',
              ...(stops ? (['IN_USE'] as const) : []),
            ),
          },
        },
      },
      async (request) => {
        const id = pluginId(request.params);
        if (stops) await guardDependents(manager, id, 'unload', request.query.force === true);
        return manager[operation](id);
      },
    );
  }

  app.get(
    '/plugins/:id/manifest',
    {
      schema: {
        tags,
        summary: 'The negotiated page manifest (with custom bundles off in settings, a custom renderer is answered as universal)',
        params: PluginIdParams,
        response: { 200: PageManifestAnswer, ...errors },
      },
    },
    async (request) => {
      const answer = await pageManifestOf(await manager.pluginFolder(pluginId(request.params)));
      return app.runtimeSettings.get().custom_bundles_enabled ? answer : withoutCustomBundle(answer);
    },
  );

  // A plugin's page and files are served only while it is active: a plugin that was stopped, failed
  // or disabled has nothing of its own running in the browser either.
  const activePrefix = (id: string) => {
    const prefix = app.pluginGateway.activePrefix(id);
    if (prefix === undefined)
      throw createError('PLUGIN_NOT_ACTIVE', `Plugin '${id}' is not active; its page and files are served once it is loaded`);
    return prefix;
  };

  app.get(
    '/plugins/:id/page',
    {
      ...pluginContent,
      schema: { tags, summary: "The plugin's HTML page (ctx.page or static/index.html)", params: PluginIdParams },
    },
    async (request, reply) => {
      const id = pluginId(request.params);
      const page = await manager.pageSource(id);
      if (page.unavailable !== undefined) throw createError('NOT_FOUND', page.unavailable);
      const context = { pluginId: id, apiPrefix: activePrefix(id), log: request.log };
      if (page.handler) {
        const rendered = await app.pluginGateway.renderPage(id, toPluginRequest(request, '/page'));
        if (rendered) {
          const html =
            typeof rendered.body === 'string' &&
            isHtml(Object.entries(rendered.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1]);
          const answer = html ? { ...rendered, body: withBridgeClient(rendered.body as string, context) } : rendered;
          return sendPluginReply(reply, answer, context, 'text/html; charset=utf-8');
        }
      }
      // No handler, or the plugin stopped since pageSource looked: the static page, if any.
      if (!page.staticFile) throw createError('NOT_FOUND', `Plugin '${id}' stopped before its page was drawn; load it again`);
      return reply.type('text/html; charset=utf-8').send(withBridgeClient(await readStaticPage(page.staticFile), context));
    },
  );

  app.get(
    '/plugins/:id/static/*',
    {
      ...pluginContent,
      schema: {
        tags,
        summary: "A file of the plugin's static/ folder",
        params: Type.Object({ id: Type.String(), '*': Type.String() }),
      },
    },
    async (request, reply) => {
      const id = pluginId(request.params);
      const plugin = await manager.pluginFolder(id);
      activePrefix(id);
      const file = await findFileInside(path.join(plugin.dir, 'static'), request.params['*']);
      if (!file) throw createError('NOT_FOUND', `No file '${request.params['*'].slice(0, 200)}' in the static folder of plugin '${id}'`);
      return reply.sendFile(path.basename(file), path.dirname(file));
    },
  );
};
