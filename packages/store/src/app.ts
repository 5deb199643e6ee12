import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import { crossSiteWriteGuard } from '@oko/shared';
import { frameworkErrorHandler, notFoundHandler, registerErrorHandler } from '@oko/shared/server';
import type { StoreConfig } from './config.js';
import { UPLOAD_BUFFER_BYTES, UPLOAD_STEP_BYTES } from './lib/streams.js';
import { pluginRoutes } from './routes/plugins.js';
import { publisherRoutes } from './routes/publishers.js';
import { refreshRoutes } from './routes/refresh.js';
import { reviewRoutes } from './routes/reviews.js';
import { systemRoutes } from './routes/system.js';
import { uploadRoutes } from './routes/uploads.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createServices, type StoreServices } from './services/index.js';
import type { ReviewLimits } from './services/review-repository.js';

export interface BuildOptions {
  /**
   * Runs once the services are up, before the app serves: the place to seed the catalog with
   * example plugins, e.g. `services.archives.importFile(zip)` for each package.
   */
  seedCatalog?: (services: StoreServices, app: FastifyInstance) => Promise<void>;
  /** The clock of the stats fold (Date.now): tests move it past OKO_STORE_STATS_FOLD_S instead of waiting. */
  now?: () => number;
  /** Bounds of reviews.json (REVIEW_LIMITS by default). */
  reviewLimits?: ReviewLimits;
  /**
   * Does at start what would otherwise make the first requests wait: the archive thread, and the
   * response serializers' checks of union branches. The server does; a test need not.
   */
  warmUp?: boolean;
}

/** Builds the store: services, docs, routes. Never listens (server.ts does). */
export async function buildApp(config: StoreConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.debug ? 'debug' : 'info' },
    frameworkErrors: frameworkErrorHandler,
    // fast-json-stringify checks a union's object branches with Ajv, which compiles each on the first
    // answer that has one: the first entry asked for after a start took 160 ms instead of 2 (issue
    // 17's contention bench caught it). A warmed-up store compiles them at start (~170 ms more).
    serializerOpts: { compileValidators: options.warmUp === true },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const services = await createServices(config, app.log, { now: options.now, reviewLimits: options.reviewLimits });
  // Counted downloads reach stats.json (or PostgreSQL) in batches; what is left is written on close, then connections close.
  app.addHook('onClose', () => services.backends.close());
  app.addHook('onClose', () => services.archiveThread.close());
  if (options.warmUp) services.archiveThread.start();

  registerErrorHandler(app, { releaseUnreadBody: config.discardUnreadBody, diskFullMessage: 'The store has no disk space left' });
  app.setNotFoundHandler(notFoundHandler);
  guardWrites(app, crossSiteWriteGuard(config.allowedOrigins, 'OKO_STORE_ALLOWED_ORIGINS'));
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'OKO Plugin Store',
        version: config.version,
        description: 'Catalog of OKO Dashboard plugins: ZIP upload, GitHub import, download',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await app.register(systemRoutes, { prefix: '/api/v1', config, services });
  await app.register(pluginRoutes, { prefix: '/api/v1', config, services });
  // Only the upload routes read multipart bodies. In their own scope, the parser's per-request hooks
  // (a 'close' listener on every answer, an async cleanup after it) stay off the read routes,
  // where the catalog list's profile showed them.
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      // One file per request; busboy's own cut-off sits one byte above ours so our 413 comes first.
      limits: { fileSize: config.maxPluginSizeBytes + 1, files: 1, fields: 10, parts: 20 },
      // busboy's own buffers: what it takes from the socket, and its file stream (see UPLOAD_STEP_BYTES).
      highWaterMark: UPLOAD_BUFFER_BYTES,
      fileHwm: UPLOAD_STEP_BYTES,
    });
    await uploads.register(uploadRoutes, { prefix: '/api/v1', config, services });
  });
  await app.register(reviewRoutes, { prefix: '/api/v1', services });
  await app.register(publisherRoutes, { prefix: '/api/v1', services });
  await app.register(refreshRoutes, { prefix: '/api/v1', services });
  const webhookSecret = config.github.webhookSecret;
  if (webhookSecret !== null) await app.register(webhookRoutes, { prefix: '/api/v1', services, secret: webhookSecret });

  if (options.seedCatalog) await options.seedCatalog(services, app);
  // After seeding, so the first round sees the whole catalog; stopped (and a round in progress awaited) on close.
  app.addHook('onClose', () => services.refreshSchedule.stop());
  services.refreshSchedule.start();
  const sweep = services.sweep;
  if (sweep) {
    app.addHook('onClose', () => sweep.stop());
    sweep.start();
  }
  return app;
}

/**
 * A page on another site must not upload or delete, key or no key: `guard` runs first on every
 * route that takes a method other than GET, HEAD or OPTIONS, before its own hooks and before its
 * body is read. Reads, which it always lets pass, run without it: with no onRequest hook at all a
 * list request skips that whole stage (issue 17's profile of the catalog list).
 */
function guardWrites(app: FastifyInstance, guard: onRequestHookHandler): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => READ_METHODS.has(method.toUpperCase()))) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [guard, ...own];
  });
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
