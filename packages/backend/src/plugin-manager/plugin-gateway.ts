import {
  createError,
  type ActionExecuteAnswer,
  type ActionExecuteRequest,
  type ActionInfo,
  type PluginRegistry,
  type PluginRequest,
} from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { HostCallError, type PluginHost } from './host.js';
import type { PluginManager } from './plugin-manager.js';
import type { RouteReply } from './protocol.js';
import { apiPrefixOfRecord, runsPageHandler, type PluginRecord } from './record.js';
import { matchRoute, routeKey } from '../plugin-runtime/route-match.js';

/**
 * Calls into active plugins: their HTTP routes, actions and pages, and what they offer now.
 * Every call is bounded; when one times out and the host no longer answers a ping either, the
 * host is ended and the plugin goes to error, so a loop in plugin code costs that plugin only.
 */
export class PluginGateway {
  constructor(
    private readonly manager: PluginManager,
    private readonly config: BackendConfig,
  ) {}

  /** Serves a request to /api/v1/plugins/{prefix}{path} with the active plugin's route; says whose answer it is. */
  async forward(prefix: string, request: PluginRequest): Promise<{ pluginId: string; answer: RouteReply }> {
    const record = this.manager.findActiveByPrefix(prefix);
    if (!record) throw createError('ROUTE_NOT_FOUND', `No active plugin serves /api/v1/plugins/${prefix}`);
    const match = matchRoute(record.host!.routes, request.method, request.path);
    if (!match) throw createError('ROUTE_NOT_FOUND', `Plugin '${record.scan.id}' has no route ${request.method} ${request.path || '/'}`);
    const what = `route ${match.method} ${match.path}`;
    const call = { type: 'route', key: routeKey(match.method, match.path), request: { ...request, params: match.params } } as const;
    const answer = (await this.invoke(record, what, () => record.host!.call(call, this.config.pluginCallTimeoutMs))) as RouteReply;
    return { pluginId: record.scan.id, answer };
  }

  /** The api_prefix of plugin `id` while it is active, else undefined: its page and files are served only then. */
  activePrefix(id: string): string | undefined {
    const record = this.manager.activeRecords().find((r) => r.scan.id === id);
    return record ? apiPrefixOfRecord(record) : undefined;
  }

  async executeAction(body: ActionExecuteRequest): Promise<ActionExecuteAnswer> {
    const record = this.manager.activeRecords().find((r) => r.host!.actions.has(body.type));
    if (!record) throw createError('ACTION_NOT_FOUND', `No active plugin offers action '${body.type}'`);
    const expected = `exec.${body.type}`;
    const declared = record.scan.manifest?.capabilities ?? [];
    if (body.capability !== expected || !declared.includes(expected)) {
      throw createError(
        'CAPABILITY_NOT_DECLARED',
        `Action '${body.type}' runs only with capability '${expected}' declared by plugin '${record.scan.id}'`,
      );
    }
    const started = Date.now();
    const meta = { type: body.type, capability: body.capability, ...(body.requested_at ? { requested_at: body.requested_at } : {}) };
    const call = { type: 'action', actionType: body.type, payload: body.payload, meta } as const;
    const result = await this.invoke(record, `action '${body.type}'`, () => record.host!.call(call, this.config.pluginCallTimeoutMs));
    return {
      type: body.type,
      plugin_id: record.scan.id,
      result: result ?? null,
      executed_at: new Date().toISOString(),
      duration_ms: Date.now() - started,
    };
  }

  /** The page from the plugin's ctx.page handler, or undefined when the plugin has none running. */
  async renderPage(id: string, request: PluginRequest): Promise<RouteReply | undefined> {
    const record = this.manager.activeRecords().find((r) => r.scan.id === id);
    if (!record || !runsPageHandler(record)) return undefined;
    return (await this.invoke(record, 'page', () =>
      record.host!.call({ type: 'page', request }, this.config.pluginCallTimeoutMs),
    )) as RouteReply;
  }

  actions(): ActionInfo[] {
    return this.manager
      .activeRecords()
      .flatMap((record) => [...record.host!.actions].map((type) => ({ type, capability: `exec.${type}`, plugin_id: record.scan.id })))
      .sort((a, b) => a.type.localeCompare(b.type));
  }

  registry(): PluginRegistry {
    const active = this.manager.activeRecords().sort((a, b) => a.scan.id.localeCompare(b.scan.id));
    return {
      capabilities: active.flatMap((r) =>
        (r.scan.manifest?.capabilities ?? []).map((capability) => ({ capability, plugin_id: r.scan.id })),
      ),
      actions: this.actions(),
      menu: active
        .filter((r) => r.scan.ui.show_in_menu === true)
        .map((r) => menuEntry(r))
        .sort((a, b) => a.order - b.order || a.plugin_id.localeCompare(b.plugin_id)),
      widgets: active.flatMap((r) => (r.scan.ui.widgets ?? []).map((widget) => ({ ...widget, plugin_id: r.scan.id }))),
    };
  }

  private async invoke(record: PluginRecord, what: string, call: () => Promise<unknown>): Promise<unknown> {
    const host = record.host!;
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof HostCallError)) throw error;
      if (error.kind !== 'timeout') throw createError('PLUGIN_ROUTE_FAILED', `Plugin '${record.scan.id}' ${what} failed: ${error.message}`);
      await this.endIfStuck(host, `${what} did not answer within ${this.config.pluginCallTimeoutMs} ms`);
      throw createError('PLUGIN_TIMEOUT', `Plugin '${record.scan.id}' ${what} did not answer: ${error.message}`);
    }
  }

  private async endIfStuck(host: PluginHost, reason: string): Promise<void> {
    const probeMs = Math.min(2000, this.config.pluginCallTimeoutMs);
    if (!(await host.isResponsive(probeMs))) await this.manager.killUnresponsive(host, `${reason} and the plugin host stopped responding`);
  }
}

function menuEntry(record: PluginRecord) {
  const ui = record.scan.ui;
  return {
    plugin_id: record.scan.id,
    title: ui.page_title ?? record.scan.manifest?.name ?? record.scan.id,
    ...(ui.page_icon ? { icon: ui.page_icon } : {}),
    ...(ui.menu_group ? { group: ui.menu_group } : {}),
    order: ui.menu_order ?? 100,
    path: `/plugins/${record.scan.id}`,
  };
}
