// http_probe: watches the HTTP/TCP endpoints the user names and reports whether they answer.
// Targets and the last result of each live in ctx.dataDir, so they survive reloads and restarts.
import path from 'node:path';
import { jsonFile } from './lib/json-file.js';
import { renderPage } from './lib/page.js';
import { mapLimited, probe } from './lib/probe.js';
import { MAX_TARGETS, allowedByNetwork, displayUrl, newTarget, parseTarget, sameEndpoint } from './lib/targets.js';

const PARALLEL_PROBES = 8;

export async function setup(ctx) {
  const targets = jsonFile(path.join(ctx.dataDir, 'targets.json'), { items: [] });
  const results = jsonFile(path.join(ctx.dataDir, 'results.json'), { by_target: {} });
  const fail = (status, code, message) => ctx.response(status, { error: { code, message } });

  async function runProbes(payload) {
    const { items } = await targets.read();
    const targetId = payload?.target_id;
    const chosen = targetId === undefined ? items : items.filter((t) => t.id === targetId);
    if (targetId !== undefined && chosen.length === 0) throw new Error(`No target '${targetId}'`);
    const checked = await mapLimited(chosen, PARALLEL_PROBES, probe);
    await results.update((data) => {
      for (const result of checked) data.by_target[result.target_id] = result;
    });
    for (const result of checked) ctx.events.emit('http_probe.result', result);
    const up = checked.filter((r) => r.state === 'up').length;
    ctx.log.info(`probed ${checked.length} target(s): ${up} up, ${checked.length - up} down`);
    return { results: checked, up, down: checked.length - up };
  }

  ctx.routes.get('/targets', async () => {
    const { items } = await targets.read();
    return { items, total: items.length };
  });

  ctx.routes.post('/targets', async (req) => {
    const parsed = parseTarget(req.body);
    if (parsed.problems) return fail(400, 'VALIDATION_FAILED', parsed.problems.join('; '));
    const { host, port } = parsed.value;
    const network = ctx.manifest.permissions?.network ?? [];
    if (!allowedByNetwork(network, host, port)) {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const message =
        `${where} is outside this plugin's network permission (${network.join(', ') || 'none'}): ` +
        `add "${where}" to permissions.network in its manifest.json, sign it again and install that version, accepting the wider permission`;
      return fail(400, 'VALIDATION_FAILED', message);
    }
    const outcome = await targets.update((data) => {
      if (data.items.some((t) => sameEndpoint(t, parsed.value))) return { conflict: 'This endpoint is already watched' };
      if (data.items.length >= MAX_TARGETS) return { conflict: `At most ${MAX_TARGETS} targets` };
      const target = newTarget(parsed.value);
      data.items.push(target);
      return { target };
    });
    if (outcome.conflict) return fail(409, 'PLUGIN_ALREADY_EXISTS', outcome.conflict);
    ctx.log.info(`watching ${outcome.target.kind}://${outcome.target.host}:${outcome.target.port}`);
    return ctx.response(201, outcome.target);
  });

  ctx.routes.delete('/targets/:id', async (req) => {
    const removed = await targets.update((data) => {
      const before = data.items.length;
      data.items = data.items.filter((t) => t.id !== req.params.id);
      return data.items.length < before;
    });
    if (!removed) return fail(404, 'NOT_FOUND', `No target '${req.params.id}'`);
    await results.update((data) => {
      delete data.by_target[req.params.id];
    });
    return { removed: req.params.id };
  });

  // One row per target, with its last result, so the page shows targets not yet probed too.
  async function resultRows() {
    const [{ items }, { by_target }] = await Promise.all([targets.read(), results.read()]);
    return items.map((t) => ({
      target_id: t.id,
      url: displayUrl(t),
      host: t.host,
      port: t.port,
      kind: t.kind,
      path: t.path,
      label: t.label,
      state: 'pending',
      status: null,
      error: null,
      latency_ms: null,
      checked_at: null,
      ...by_target[t.id],
    }));
  }

  ctx.routes.get('/results', async () => {
    const rows = await resultRows();
    return { items: rows, total: rows.length };
  });

  ctx.routes.get('/summary', async () => {
    const [{ items }, { by_target }] = await Promise.all([targets.read(), results.read()]);
    const states = items.map((t) => by_target[t.id]?.state ?? 'pending');
    const count = (s) => states.filter((x) => x === s).length;
    return { total: items.length, up: count('up'), down: count('down'), pending: count('pending') };
  });

  ctx.routes.post('/probe', async (req) => {
    try {
      return await runProbes(req.body ?? {});
    } catch (error) {
      return fail(404, 'NOT_FOUND', error.message);
    }
  });

  ctx.actions.register('http_probe.probe', async (payload) => runProbes(payload ?? {}));

  ctx.page(async () =>
    renderPage({
      title: ctx.ui?.page_title ?? 'HTTP probe',
      apiBase: `/api/v1/plugins/${ctx.ui?.api_prefix ?? 'http-probe'}`,
      rows: await resultRows(),
    }),
  );
  ctx.log.info('http_probe ready');
}

export async function teardown() {}
