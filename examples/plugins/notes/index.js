// notes: a notes pad with its own HTML page (ctx.page), a menu entry (ui.yaml) and a JSON API.
// Notes live in ctx.dataDir/notes.json; other plugins can add one with the notes.add action.
import path from 'node:path';
import { jsonFile } from './lib/json-file.js';
import { MAX_NOTES, matches, newNote, parseNote, sortNotes } from './lib/notes.js';
import { renderPage } from './lib/page.js';

export async function setup(ctx) {
  const store = jsonFile(path.join(ctx.dataDir, 'notes.json'), { items: [] });
  const apiBase = `/api/v1/plugins/${ctx.ui?.api_prefix ?? 'notes'}`;
  const fail = (status, code, message) => ctx.response(status, { error: { code, message } });

  async function addNote(body) {
    const parsed = parseNote(body);
    if (parsed.problems) return { problems: parsed.problems };
    const note = await store.update((data) => {
      if (data.items.length >= MAX_NOTES) return null;
      const created = newNote(parsed.value);
      data.items.push(created);
      return created;
    });
    if (!note) return { problems: [`at most ${MAX_NOTES} notes; delete some first`] };
    ctx.events.emit('notes.changed', { id: note.id, change: 'added' });
    return { note };
  }

  ctx.routes.get('/notes', async (req) => {
    const { items } = await store.read();
    const q = typeof req.query?.q === 'string' ? req.query.q.trim() : '';
    const found = sortNotes(q ? items.filter((n) => matches(n, q)) : items);
    return { items: found, total: found.length };
  });

  ctx.routes.get('/notes/:id', async (req) => {
    const { items } = await store.read();
    return items.find((n) => n.id === req.params.id) ?? fail(404, 'NOT_FOUND', `No note '${req.params.id}'`);
  });

  ctx.routes.post('/notes', async (req) => {
    const outcome = await addNote(req.body);
    return outcome.note ? ctx.response(201, outcome.note) : fail(400, 'VALIDATION_FAILED', outcome.problems.join('; '));
  });

  ctx.routes.patch('/notes/:id', async (req) => {
    const parsed = parseNote(req.body, { partial: true });
    if (parsed.problems) return fail(400, 'VALIDATION_FAILED', parsed.problems.join('; '));
    const note = await store.update((data) => {
      const found = data.items.find((n) => n.id === req.params.id);
      if (found) Object.assign(found, parsed.value, { updated_at: new Date().toISOString() });
      return found;
    });
    if (!note) return fail(404, 'NOT_FOUND', `No note '${req.params.id}'`);
    ctx.events.emit('notes.changed', { id: note.id, change: 'updated' });
    return note;
  });

  ctx.routes.delete('/notes/:id', async (req) => {
    const removed = await store.update((data) => {
      const before = data.items.length;
      data.items = data.items.filter((n) => n.id !== req.params.id);
      return data.items.length < before;
    });
    if (!removed) return fail(404, 'NOT_FOUND', `No note '${req.params.id}'`);
    ctx.events.emit('notes.changed', { id: req.params.id, change: 'removed' });
    return { removed: req.params.id };
  });

  ctx.actions.register('notes.add', async (payload) => {
    const outcome = await addNote(payload);
    if (!outcome.note) throw new Error(outcome.problems.join('; '));
    return outcome.note;
  });

  ctx.page(async () => {
    const { items } = await store.read();
    return renderPage({ title: ctx.ui?.page_title ?? 'Notes', apiBase, notes: sortNotes(items) });
  });

  ctx.log.info('notes ready');
}

export async function teardown() {}
