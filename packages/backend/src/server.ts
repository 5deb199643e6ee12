import { buildApp } from './app.js';
import { loadConfig, type BackendConfig } from './config.js';

let config: BackendConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(`oko backend: ${(error as Error).message}`);
  process.exit(1);
}

const app = await buildApp(config);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info(`${signal}: unloading plugins and closing`);
  // A second signal, or a teardown that never ends, still ends the process.
  setTimeout(() => process.exit(1), 15_000).unref();
  await app.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  app.log.error({ err: error }, 'could not listen');
  process.exit(1);
}
// After listening, so the dashboard answers at once while plugins that were active load again.
void app.pluginManager.restore();
