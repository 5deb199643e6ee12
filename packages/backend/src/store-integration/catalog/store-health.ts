import { StoreHealthSummary, type StoreHealthReport } from '@oko/shared';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { StoreHealthAnswer } from '../client/store-answers.js';
import type { StoreClient } from '../client/store-client.js';
import { storeProblemOf } from '../client/store-errors.js';

/**
 * The store's health as measured now: its answer time, or why it did not answer. `timeoutMs`
 * shortens the bound for a page that waits on it (Settings); never an error, always a report.
 */
export async function storeHealth(client: StoreClient, timeoutMs?: number): Promise<StoreHealthReport> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const health = await client.health(timeoutMs);
    return { available: true, url: client.baseUrl, response_time_ms: elapsed(), store: healthSummary(health) };
  } catch (error) {
    return {
      available: false,
      url: client.baseUrl,
      response_time_ms: elapsed(),
      // The report carries the URL: the reason says only what went wrong.
      reason: storeProblemOf(error, client.baseUrl),
    };
  }
}

const DETAILS = ['status', 'reason', 'read_only', 'database', 'blob_store'] as const;
// One check per field, each on a one-field object so an optional field's schema is checked as it is declared.
const detailChecks = DETAILS.map((key) => [key, Compile(Type.Object({ [key]: StoreHealthSummary.properties[key] }))] as const);

/**
 * The fields of the store's /health the dashboard shows. Version and size are required of every
 * store; the rest is taken field by field, so a store older than a field, or one that says
 * something new in it (another status), still gets its health shown, without that field.
 */
function healthSummary(answer: StoreHealthAnswer): StoreHealthReport['store'] {
  const summary: Record<string, unknown> = { version: String(answer.version), plugins_count: Number(answer.plugins_count) };
  const given = answer as Record<string, unknown>;
  for (const [key, check] of detailChecks) {
    if (given[key] !== undefined && check.Check({ [key]: given[key] })) summary[key] = given[key];
  }
  return summary as StoreHealthReport['store'];
}
