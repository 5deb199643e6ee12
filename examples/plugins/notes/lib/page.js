// The notes page. It is rendered on the server with the notes already in it, so it shows
// them even where scripts are blocked; the small script only adds writing and deleting.
const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function noteHtml(note) {
  return `<li class="note${note.pinned ? ' pinned' : ''}" data-id="${escapeHtml(note.id)}">
  <div class="head"><h2>${escapeHtml(note.title)}</h2>
    <button type="button" class="pin" aria-pressed="${note.pinned}">${note.pinned ? 'Unpin' : 'Pin'}</button>
    <button type="button" class="delete">Delete</button></div>
  <p>${escapeHtml(note.text).replace(/\n/g, '<br>')}</p>
  <time datetime="${escapeHtml(note.updated_at)}">${escapeHtml(note.updated_at.slice(0, 16).replace('T', ' '))} UTC</time>
</li>`;
}

export function renderPage({ title, apiBase, notes }) {
  const list = notes.length > 0 ? notes.map(noteHtml).join('\n') : '<li class="empty">No notes yet. Write the first one above.</li>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 48rem; padding: 1.5rem; }
  form { display: grid; gap: .5rem; margin-bottom: .5rem; }
  input, textarea { font: inherit; padding: .5rem; border: 1px solid #8886; border-radius: .4rem; }
  textarea { min-height: 5rem; resize: vertical; }
  button { font: inherit; padding: .35rem .8rem; border-radius: .4rem; border: 1px solid #8888; cursor: pointer; }
  button[type=submit] { justify-self: start; background: #2563eb; color: #fff; border-color: #2563eb; }
  ul { list-style: none; padding: 0; display: grid; gap: .75rem; }
  .note { border: 1px solid #8885; border-radius: .6rem; padding: .75rem 1rem; }
  .note.pinned { border-color: #f59e0b; }
  .head { display: flex; gap: .5rem; align-items: center; } .head h2 { flex: 1; font-size: 1.05rem; margin: 0; }
  time { font-size: .8rem; opacity: .7; } .empty { opacity: .7; } #status { min-height: 1.2em; margin: 0; color: #dc2626; }
</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<form id="new-note">
  <label for="note-title">Title</label><input id="note-title" name="title" maxlength="200" placeholder="Optional">
  <label for="note-text">Note</label><textarea id="note-text" name="text" required maxlength="10000"></textarea>
  <button type="submit">Add note</button>
  <p id="status" role="status"></p>
</form>
<ul id="notes">${list}</ul>
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
document.getElementById('new-note').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act(call('POST', '/notes', { title: form.get('title'), text: form.get('text') }));
});
document.getElementById('notes').addEventListener('click', (event) => {
  const id = event.target.closest('.note')?.dataset.id;
  if (!id) return;
  // A second click confirms: the sandboxed frame has no confirm() dialog.
  if (event.target.matches('.delete') && event.target.dataset.armed) act(call('DELETE', '/notes/' + encodeURIComponent(id)));
  else if (event.target.matches('.delete')) Object.assign(event.target, { textContent: 'Really delete?' }).dataset.armed = '1';
  if (event.target.matches('.pin')) act(call('PATCH', '/notes/' + encodeURIComponent(id), { pinned: event.target.getAttribute('aria-pressed') !== 'true' }));
});
// In the reader's own time zone and words ("30 Nov 2026, 09:28"); the page says UTC until then.
for (const t of document.querySelectorAll('time[datetime]')) {
  t.textContent = new Date(t.dateTime).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}
// Module scripts run after the list shows: say when the buttons answer (the browser tests wait for it).
document.body.dataset.ready = 'true';
</script>
</body></html>`;
}
