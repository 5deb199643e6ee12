import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFoundBody } from '@oko/shared/server';

/** Vite's output names: `assets/<name>-<hash>.<ext>`, whose content never changes under that name. */
const HASHED_ASSET = /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+(?:\.br|\.gz)?$/;
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The Cache-Control of a file of the built UI: a year for hashed assets, revalidate everything else. */
export function cacheControlFor(file: string): string {
  return HASHED_ASSET.test(file) ? IMMUTABLE : 'no-cache';
}

/**
 * Two @fastify/static instances. The first only gives every route reply.sendFile with the plugin's
 * own root (pages, static files), with the plugin's files taken as they are. The second serves the
 * built UI (`frontendDir`), when there is one: the build writes a .br and a .gz beside each
 * compressible file (packages/frontend/vite.config.ts), and `preCompressed` picks one by
 * Accept-Encoding, with `Vary: Accept-Encoding`, falling back to the plain file.
 */
export async function registerWebUi(app: FastifyInstance, frontendDir: string, pluginsDir: string): Promise<void> {
  const hasFrontend = existsSync(frontendDir);
  await app.register(fastifyStatic, { root: pluginsDir, serve: false });
  if (hasFrontend) {
    await app.register(fastifyStatic, {
      root: frontendDir,
      wildcard: true,
      preCompressed: true,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (reply, file) => void reply.header('cache-control', cacheControlFor(file)),
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    // The UI routes in the browser (/plugins/my_plugin): unknown page paths get index.html. A missing
    // script, style or source map is a 404, not a page: HTML served as JavaScript helps nobody.
    const isPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !url.startsWith('/api/') &&
      !url.startsWith('/docs') &&
      !url.startsWith('/assets/') &&
      !/\.map(?:[?#]|$)/.test(url);
    if (hasFrontend && isPage) {
      // The plain file (about a kilobyte): compression would save little here.
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
      return reply.sendFile('index.html', path.resolve(frontendDir), { cacheControl: false });
    }
    return reply.status(404).send(notFoundBody(request.method, url));
  });
}
