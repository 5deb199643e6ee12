import type { FastifyReply, FastifyRequest } from 'fastify';
import { ifNoneMatch } from '@oko/shared/server';
import type { CatalogView } from '../services/catalog-view.js';
import type { PluginCatalog } from '../services/plugin-catalog.js';

/**
 * Answers a read route from the answer cache: the bytes are made once per catalog version and
 * `key` by the route's own response serializer (reply.serialize, the 200 schema), so a cached
 * answer is byte for byte what the route answered before it was cached, then sent as a Buffer,
 * which Fastify does not serialize again. `no-cache` makes clients revalidate with the strong
 * ETag each time: a catalog change gives a new ETag at once, and an unchanged one costs a 304.
 */
export async function sendCachedAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  plugins: PluginCatalog,
  key: string,
  build: (view: CatalogView) => unknown,
): Promise<FastifyReply> {
  // A plugin another replica published a moment ago may not be in this replica's copy yet: caught up before a 404.
  const answer = await plugins.catchUp.orNotFound(async () => {
    const { view, version } = await plugins.snapshot();
    const cached = plugins.answers.get(version, key);
    if (cached) return cached;
    const payload: unknown = await build(view);
    return plugins.answers.set(version, key, Buffer.from(reply.serialize(payload) as string, 'utf8'));
  });
  reply.header('etag', answer.etag).header('cache-control', 'no-cache');
  if (ifNoneMatch(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(answer.body);
}
