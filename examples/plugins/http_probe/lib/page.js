// The plugin's own HTML page: where a user names what to probe, removes it, and probes everything
// now (the page manifest's components show data but have no form, so this page is the product; the
// dashboard draws the up/down counts above it). Rendered on the server with the current targets, so
// it shows them where scripts are blocked; the small script adds, removes, probes and keeps the
// "12 s ago" times current.
import { displayUrl } from './targets.js';
import { timeAgo } from './time.js';

const escapeHtml = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const STATE_WORDS = { up: 'Up', down: 'Down', pending: 'Not probed yet' };

function row(r, now) {
  const answered = r.kind === 'tcp' ? 'connected' : `HTTP ${r.status}`;
  const result = r.state === 'pending' ? '–' : (r.error ?? `${answered} in ${r.latency_ms} ms`);
  const checked = r.checked_at ? `<time datetime="${escapeHtml(r.checked_at)}">${escapeHtml(timeAgo(r.checked_at, now))}</time>` : 'never';
  return `<tr data-id="${escapeHtml(r.target_id)}">
<td><span class="state ${escapeHtml(r.state)}">${escapeHtml(STATE_WORDS[r.state] ?? r.state)}</span></td>
<td>${escapeHtml(r.label ?? '')}</td><td class="url">${escapeHtml(displayUrl(r))}</td><td>${escapeHtml(result)}</td>
<td>${checked}</td><td><button type="button" class="remove" aria-label="Remove ${escapeHtml(r.label ?? displayUrl(r))}">Remove</button></td></tr>`;
}

export function renderPage({ title, apiBase, rows, now = Date.now() }) {
  const count = (state) => rows.filter((r) => r.state === state).length;
  const body =
    rows.length > 0
      ? rows.map((r) => row(r, now)).join('\n')
      : '<tr><td colspan="6" class="empty">No targets yet. Add the first one above.</td></tr>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 1rem; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
  label { display: grid; gap: .2rem; font-size: .85rem; } .grow { flex: 1 1 18rem; }
  input, button { font: inherit; padding: .4rem .6rem; border: 1px solid #8886; border-radius: .4rem; }
  button { cursor: pointer; background: transparent; color: inherit; }
  button:focus-visible, input:focus-visible { outline: 2px solid #2563eb; outline-offset: 1px; }
  .primary { background: #2563eb; color: #fff; border-color: #2563eb; }
  .hint { font-size: .8rem; opacity: .75; margin: .35rem 0 0; }
  .toolbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; justify-content: space-between; margin: 1.25rem 0 .5rem; }
  .scroll { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .45rem; border-bottom: 1px solid #8884; }
  th { font-size: .8rem; font-weight: 600; opacity: .8; } .url { word-break: break-all; }
  .state { font-weight: 600; white-space: nowrap; } .up { color: #16a34a; } .down { color: #dc2626; } .pending { opacity: .7; }
  .empty { opacity: .7; } #status { min-height: 1.2em; margin: .5rem 0 0; } #status.error { color: #dc2626; }
</style></head>
<body>
<h2>Add a target</h2>
<form id="add">
  <label class="grow">Address <input name="url" required maxlength="600" inputmode="url" autocomplete="off"
    placeholder="https://example.org/health or tcp://db.internal:5432"></label>
  <label>Name <input name="label" maxlength="100" placeholder="Optional, e.g. Public site"></label>
  <button type="submit" class="primary">Add target</button>
</form>
<p class="hint">http://, https:// or tcp:// with a host and, for tcp, a port. HTTP targets are up when they answer below 500.</p>
<p id="status" role="status"></p>
<div class="toolbar">
  <span id="counts">${count('up')} up · ${count('down')} down · ${count('pending')} not probed yet</span>
  <button type="button" id="probe-all"${rows.length === 0 ? ' disabled' : ''}>Probe all now</button>
</div>
<div class="scroll"><table><thead><tr><th>State</th><th>Name</th><th>Address</th><th>Result</th><th>Last check</th><th><span hidden>Actions</span></th></tr></thead>
<tbody id="rows">${body}</tbody></table></div>
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
const say = (text, error = false) => { status.textContent = text; status.className = error ? 'error' : ''; };
const act = (work) => work.then(() => location.reload(), (e) => say(e.message, true));
document.getElementById('add').addEventListener('submit', (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(event.target));
  say('Adding…');
  act(call('POST', '/targets', { url: f.url.trim(), ...(f.label.trim() ? { label: f.label.trim() } : {}) }));
});
document.getElementById('probe-all').addEventListener('click', (event) => {
  Object.assign(event.target, { disabled: true, textContent: 'Probing…' });
  act(call('POST', '/probe', {}));
});
document.getElementById('rows').addEventListener('click', (event) => {
  const id = event.target.closest('tr')?.dataset.id;
  if (!id || !event.target.matches('.remove')) return;
  // A second click confirms: the sandboxed frame has no confirm() dialog.
  if (event.target.dataset.armed) act(call('DELETE', '/targets/' + encodeURIComponent(id)));
  else {
    // Its name says which target too, for a screen reader: "Really remove Public site?".
    const name = event.target.getAttribute('aria-label').replace(/^Remove /, '');
    Object.assign(event.target, { textContent: 'Really remove?' }).dataset.armed = '1';
    event.target.setAttribute('aria-label', 'Really remove ' + name + '?');
  }
});
// "12 s ago" keeps counting; the exact local time is in each time's tooltip.
${timeAgo.toString()}
function refreshTimes() {
  for (const t of document.querySelectorAll('time[datetime]')) {
    t.textContent = timeAgo(t.dateTime, Date.now());
    t.title = new Date(t.dateTime).toLocaleString();
  }
}
refreshTimes();
setInterval(refreshTimes, 5000);
document.body.dataset.ready = 'true';
</script>
</body></html>`;
}
