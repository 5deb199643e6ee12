import { configOrExit, listenWithGrace } from '@oko/shared/server';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

const config = configOrExit('oko backend', () => loadConfig());
const app = await buildApp(config, { warmUp: true });

try {
  // Closing unloads every plugin (onClose hook); their teardowns get up to 15 s in all.
  await listenWithGrace(app, { host: config.host, port: config.port, drainMs: 3000, closeTimeoutMs: 15_000 });
} catch (error) {
  app.log.error({ err: error }, 'could not listen');
  process.exit(1);
}
// After listening, so the dashboard answers at once while plugins that were active load again.
void app.pluginManager.restore();
