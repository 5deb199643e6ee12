// A bare Fastify server answering fixed bytes: the baseline of the catalog scenarios. Same Fastify
// as the store (resolved from packages/store), same logger level, no schema, no work per request.
// env: BARE_ROUTES = JSON {"/path": "/file/with/body.json"}, BARE_PORT, BARE_LOGGER (info|off).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';

const root = path.resolve(import.meta.dirname, '../../../..');
const fastifyEntry = createRequire(path.join(root, 'packages/store/package.json')).resolve('fastify');
const Fastify = ((await import(pathToFileURL(fastifyEntry).href)) as { default: (options: object) => FastifyInstance }).default;

const routes = JSON.parse(process.env.BARE_ROUTES ?? '{}') as Record<string, string>;
const logger = process.env.BARE_LOGGER === 'off' ? false : { level: 'info' };
const app = Fastify({ logger });
for (const [route, file] of Object.entries(routes)) {
  const body = readFileSync(file);
  app.get(route, async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
}
await app.listen({ host: '127.0.0.1', port: Number(process.env.BARE_PORT ?? 0) });
// Without a logger Fastify prints nothing; the bench reads this line to find the port.
if (!logger) console.log(`Server listening at http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
