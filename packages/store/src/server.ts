import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { seedExamplePlugins } from './services/catalog-seeder.js';

/** Starts the store: config from env, listen, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`oko store: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const app = await buildApp(config, { seedCatalog: seedExamplePlugins(config.seed, config.storagePath) });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // In-flight requests get a few seconds; a stalled upload must not hold the shutdown forever.
    setTimeout(() => app.server.closeAllConnections(), 3000).unref();
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Fastify logs "Server listening at http://host:port" here; tests parse that line.
  await app.listen({ host: config.host, port: config.port });
  if (config.apiKey === null) app.log.warn('OKO_STORE_API_KEY is not set: write endpoints are open to anyone who can reach this port');
}

main().catch((error: unknown) => {
  console.error('oko store: failed to start', error);
  process.exit(1);
});
