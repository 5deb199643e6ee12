import type { StoreHealthReport } from '@oko/shared';
import type { StoreClient } from '../client/store-client.js';

/**
 * The store's health as measured now: its answer time, or why it did not answer. `timeoutMs`
 * shortens the bound for a page that waits on it (Settings); never an error, always a report.
 */
export async function storeHealth(client: StoreClient, timeoutMs?: number): Promise<StoreHealthReport> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const health = await client.health(timeoutMs);
    return {
      available: true,
      url: client.baseUrl,
      response_time_ms: elapsed(),
      store: { version: String(health.version), plugins_count: Number(health.plugins_count) },
    };
  } catch (error) {
    return {
      available: false,
      url: client.baseUrl,
      response_time_ms: elapsed(),
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}
