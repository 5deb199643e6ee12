// The plugin's own HTML page: the one place in the dashboard where a user names what to probe
// (the page manifest's components show data but have no form). Rendered on the server with the
// current targets; the small script only adds, removes and probes.
const escapeHtml = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function row(r) {
  const where = `${r.kind}://${r.host}:${r.port}${r.path ?? ''}`;
  const answered = r.kind === 'tcp' ? 'connected' : `HTTP ${r.status}`;
  const detail = r.state === 'pending' ? 'not probed yet' : (r.error ?? `${answered} in ${r.latency_ms} ms`);
  return `<tr data-id="${escapeHtml(r.target_id)}"><td><span class="state ${escapeHtml(r.state)}">${escapeHtml(r.state)}</span></td>
<td>${r.label ? `${escapeHtml(r.label)} · ` : ''}${escapeHtml(where)}</td><td>${escapeHtml(detail)}</td><td><button type="button" class="remove">Remove</button></td></tr>`;
}

export function renderPage({ title, apiBase, rows }) {
  const body = rows.length > 0 ? rows.map(row).join('\n') : '<tr><td colspan="4" class="empty">No targets yet. Name one above.</td></tr>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
  label { display: grid; gap: .2rem; font-size: .85rem; }
  input, select, button { font: inherit; padding: .4rem .6rem; border: 1px solid #8886; border-radius: .4rem; }
  button { cursor: pointer; } .primary { background: #2563eb; color: #fff; border-color: #2563eb; }
  table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .45rem; border-bottom: 1px solid #8884; }
  .state { font-weight: 600; } .up { color: #16a34a; } .down { color: #dc2626; } .pending { opacity: .7; }
  .empty { opacity: .7; } #status { min-height: 1.2em; color: #dc2626; }
</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<form id="add">
  <label>Host <input name="host" required placeholder="example.org or 10.0.0.5"></label>
  <label>Port <input name="port" type="number" min="1" max="65535" required value="443"></label>
  <label>Kind <select name="kind"><option>https</option><option>http</option><option>tcp</option></select></label>
  <label>Path <input name="path" value="/"></label>
  <button type="submit" class="primary">Add target</button>
  <button type="button" id="probe">Probe all now</button>
</form>
<p id="status" role="status"></p>
<table><thead><tr><th>State</th><th>Endpoint</th><th>Last check</th><th></th></tr></thead><tbody id="rows">${body}</tbody></table>
<script type="module">
const api = ${JSON.stringify(apiBase)};
const status = document.getElementById('status');
async function call(method, path, body) {
  // oko.fetch, not fetch: the page runs sandboxed in an opaque origin, and the dashboard's bridge
  // (injected by the backend as window.oko) is its only way to the plugin's own routes.
  const res = await oko.fetch(api + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error((await res.json().catch(() => null))?.error?.message ?? 'HTTP ' + res.status);
  return res.json();
}
const act = (work) => work.then(() => location.reload(), (e) => { status.textContent = e.message; });
document.getElementById('add').addEventListener('submit', (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(event.target));
  act(call('POST', '/targets', { host: f.host, port: Number(f.port), kind: f.kind, ...(f.kind === 'tcp' ? {} : { path: f.path || '/' }) }));
});
document.getElementById('probe').addEventListener('click', () => act(call('POST', '/probe', {})));
document.getElementById('rows').addEventListener('click', (event) => {
  const id = event.target.closest('tr')?.dataset.id;
  if (id && event.target.matches('.remove')) act(call('DELETE', '/targets/' + encodeURIComponent(id)));
});
</script>
</body></html>`;
}
