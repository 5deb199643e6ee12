import type { FastifyReply, FastifyRequest } from 'fastify';
import { ifNoneMatch } from '@oko/shared/server';
import type { CachedAnswer } from '../services/answer-cache.js';
import type { CatalogView } from '../services/catalog-view.js';
import type { PluginCatalog } from '../services/plugin-catalog.js';

/**
 * Answers a read route from the answer cache: the bytes are made once per catalog version and
 * `key` by the route's own response serializer (reply.serialize, the 200 schema), so a cached
 * answer is byte for byte what the route answered before it was cached, then sent as a Buffer,
 * which Fastify does not serialize again. `no-cache` makes clients revalidate with the strong
 * ETag each time: a catalog change gives a new ETag at once, and an unchanged one costs a 304.
 *
 * A hit for the current catalog is sent synchronously and undefined returned (a route handler that
 * is not async then leaves Fastify nothing to await): profiling the list under load showed the
 * promise layers of the lookup below as a measurable share of a request that otherwise only copies
 * bytes out. Otherwise a promise, settled once the answer is sent, for the handler to return.
 */
export function sendCachedAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  plugins: PluginCatalog,
  key: string,
  build: (view: CatalogView) => unknown,
): Promise<void> | undefined {
  const cached = plugins.cachedAnswer(key);
  if (cached) {
    send(request, reply, cached);
    return undefined;
  }
  return buildAnswer(reply, plugins, key, build).then((answer) => {
    send(request, reply, answer);
  });
}

async function buildAnswer(
  reply: FastifyReply,
  plugins: PluginCatalog,
  key: string,
  build: (view: CatalogView) => unknown,
): Promise<CachedAnswer> {
  // A plugin another replica published a moment ago may not be in this replica's copy yet: caught up before a 404.
  return plugins.catchUp.orNotFound(async () => {
    const { view, version } = await plugins.snapshot();
    const cached = plugins.answers.get(version, key);
    if (cached) return cached;
    const payload: unknown = await build(view);
    return plugins.answers.set(version, key, Buffer.from(reply.serialize(payload) as string, 'utf8'));
  });
}

function send(request: FastifyRequest, reply: FastifyReply, answer: CachedAnswer): void {
  reply.header('etag', answer.etag).header('cache-control', 'no-cache');
  if (ifNoneMatch(request.headers['if-none-match'], answer.etag)) reply.code(304).send();
  else reply.type('application/json; charset=utf-8').send(answer.body);
}
