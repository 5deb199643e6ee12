import { configOrExit, listenWithGrace } from '@oko/shared/server';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { seedExamplePlugins } from './services/catalog-seeder.js';

/** Starts the store: config from env, listen, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configOrExit('oko store', () => loadConfig());
  const app = await buildApp(config, { seedCatalog: seedExamplePlugins(config.seed, config.storagePath), warmUp: true });
  // In-flight requests get 3 s before their connections are cut, so a stalled upload cannot hold the stop.
  await listenWithGrace(app, { host: config.host, port: config.port, drainMs: 3000, closeTimeoutMs: 10_000 });
  if (config.apiKey === null) app.log.warn('OKO_STORE_API_KEY is not set: write endpoints are open to anyone who can reach this port');
}

main().catch((error: unknown) => {
  console.error('oko store: failed to start', error);
  process.exit(1);
});
