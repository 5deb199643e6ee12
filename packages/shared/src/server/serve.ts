import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from './env.js';

export interface ServeOptions {
  host: string;
  port: number;
  /** In-flight requests get this long to finish before their connections are cut, so a stalled upload cannot hold the stop. */
  drainMs?: number;
  /** Past this the process exits with code 1, whatever is still closing (a plugin teardown that never ends). */
  closeTimeoutMs?: number;
}

/**
 * Listens, and on SIGTERM/SIGINT (or an uncaught error) closes the app and exits: code 0 when it
 * closed in time after a signal, 1 after an error, a second signal or the timeout. Fastify logs
 * "Server listening at http://host:port" while listening; tests parse that line.
 */
export async function listenWithGrace(app: FastifyInstance, options: ServeOptions): Promise<void> {
  const { drainMs = 3000, closeTimeoutMs = 10_000 } = options;
  // SIGUSR2 is not a stop request here: diagnostics use it (--heapsnapshot-signal, the bench's
  // event-loop probe), and close-with-grace would otherwise treat it as one.
  closeWithGrace({ delay: closeTimeoutMs, logger: app.log, skip: ['SIGUSR2'] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    const drain = setTimeout(() => app.server.closeAllConnections(), drainMs);
    drain.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(drain);
    }
  });
  await app.listen({ host: options.host, port: options.port });
}

/** Reads the config, or ends the process with code 2 and the reason when a setting is wrong. */
export function configOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${service}: invalid configuration: ${error.message}`);
    return process.exit(2);
  }
}
