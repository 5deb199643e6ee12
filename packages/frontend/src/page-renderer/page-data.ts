import { request } from '../api/client.js';
import type { DataSource } from '../api/page-manifest-types.js';
import { allowedBridgeUrl } from '../lib/bridge.js';
import { valueAt } from '../lib/path-value.js';

/** Who is asking: a page only reads its own plugin's API and runs its own plugin's actions. */
export interface PageContext {
  pluginId: string;
  apiPrefix: string;
}

/** The action type a capability stands for: `exec.my_plugin.scan` runs `my_plugin.scan`. */
export function actionTypeOf(capability: string | undefined, action?: string): string | null {
  if (action) return action;
  return capability?.startsWith('exec.') ? capability.slice('exec.'.length) : null;
}

/** Runs one of the plugin's own actions through the action gateway; answers its result. */
export async function runPageAction(
  context: PageContext,
  type: string,
  capability: string | undefined,
  payload?: unknown,
): Promise<unknown> {
  if (!type.startsWith(`${context.pluginId}.`)) throw new Error(`Action ${type} does not belong to plugin ${context.pluginId}`);
  const answer = await request<{ result: unknown }>('/api/v1/actions/execute', {
    method: 'POST',
    body: { type, capability: capability ?? `exec.${type}`, payload: payload ?? {} },
    timeoutMs: 30_000,
  });
  return answer.result;
}

/** Reads a component's data source (HTTP endpoint or action) and applies its response_path. */
export async function loadPageData(source: DataSource | undefined, context: PageContext): Promise<unknown> {
  if (!source) throw new Error('The component has no dataSource');
  if (source.type === 'action') {
    const type = actionTypeOf(source.capability, source.action);
    if (!type) throw new Error('The action data source names no action');
    return valueAt(await runPageAction(context, type, source.capability, source.payload), source.response_path);
  }
  if (!source.endpoint) throw new Error('The data source has no endpoint');
  const url = allowedBridgeUrl(source.endpoint, context.apiPrefix, window.location.origin);
  // Same rule as the custom-bundle bridge: a page only reads its own plugin's API.
  if (!url) throw new Error(`${source.endpoint} is outside /api/v1/plugins/${context.apiPrefix}/`);
  const method = source.method === 'POST' ? 'POST' : 'GET';
  const answer = await request<unknown>(url.pathname + url.search, { method, timeoutMs: 15_000 });
  return valueAt(answer, source.response_path);
}
