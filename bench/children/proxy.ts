// The round-robin proxy of the replica tests (test-support/round-robin-proxy.ts) in a process of
// its own, so its work is not on the load generator's event loop. env: PROXY_TARGETS = JSON array
// of base URLs, PROXY_PORT. Prints "listening at URL" like Fastify, for lib/services.ts.
import { startRoundRobinProxy } from '../../test-support/round-robin-proxy.js';

const targets = JSON.parse(process.env.PROXY_TARGETS ?? '[]') as string[];
const proxy = await startRoundRobinProxy(targets, Number(process.env.PROXY_PORT ?? 0));
console.log(`proxy listening at ${proxy.url} for ${targets.length} target(s)`);
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
