// One check of one target: an HTTP(S) GET whose status is read from the response head
// (the body is never downloaded), or a plain TCP connect. Every check has a hard deadline.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export async function probe(target) {
  const started = process.hrtime.bigint();
  const outcome = target.kind === 'tcp' ? await connectTcp(target) : await requestHttp(target);
  const latency = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    target_id: target.id,
    host: target.host,
    port: target.port,
    kind: target.kind,
    path: target.path,
    label: target.label,
    state: outcome.ok ? 'up' : 'down',
    status: outcome.status ?? null,
    error: outcome.error ?? null,
    latency_ms: Math.round(latency * 10) / 10,
    checked_at: new Date().toISOString(),
  };
}

function connectTcp(target) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${target.timeout_ms} ms` }), target.timeout_ms);
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error) => finish({ ok: false, error: describe(error) }));
  });
}

function requestHttp(target) {
  const client = target.kind === 'https' ? https : http;
  return new Promise((resolve) => {
    const request = client.request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'GET',
      headers: { 'user-agent': 'oko-http-probe/1.0', accept: '*/*' },
      agent: false,
    });
    const finish = (result) => {
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no answer within ${target.timeout_ms} ms` }), target.timeout_ms);
    // A 4xx still proves the endpoint is up and answering; only 5xx counts as a failing endpoint.
    request.once('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      finish(status >= 500 ? { ok: false, status, error: `HTTP ${status}` } : { ok: true, status });
    });
    request.once('error', (error) => finish({ ok: false, error: describe(error) }));
    request.end();
  });
}

function describe(error) {
  const known = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable',
    ECONNRESET: 'connection reset',
  };
  return known[error.code] ?? error.message;
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order of `items`. */
export async function mapLimited(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
