import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getJson, loadPlugin, request, send, startBackendWithExamples, type ExampleBackend } from '../../test-harness.js';

let env: ExampleBackend;
let base: string;

// Each test gets its own backend and an empty notes data folder.
beforeEach(async () => {
  env = await startBackendWithExamples(['notes']);
  base = `${env.api}/plugins/notes`;
  await loadPlugin(env.api, 'notes');
});

afterEach(async () => {
  await env?.stop();
});

async function page(): Promise<{ status: number; type: string | null; html: string }> {
  const res = await request(`${env.api}/plugins/notes/page`);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
}

describe('notes example plugin', () => {
  it('puts a menu entry in the registry from its ui.yaml', async () => {
    const { body } = await getJson<any>(`${env.api}/plugins/registry`);
    expect(body.menu.find((m: any) => m.plugin_id === 'notes')).toMatchObject({ title: 'Notes', icon: 'note', group: 'Tools', order: 30 });
  });

  it('serves its own HTML page, empty at first', async () => {
    const first = await page();
    expect(first.status).toBe(200);
    expect(first.type).toContain('text/html');
    expect(first.html).toContain('<h1>Notes</h1>');
    expect(first.html).toContain('No notes yet');
  });

  it('serves its page sandboxed, with the bridge client, and calls its API through oko.fetch only', async () => {
    const res = await request(`${env.api}/plugins/notes/page`);
    expect(res.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups');
    const html = await res.text();
    expect(html).toContain('<script data-oko-bridge>');
    expect(html).toContain('oko.fetch(api + path');
    expect(html).not.toMatch(/[^.]fetch\(api/);
  });

  it('adds, changes, searches and deletes notes over its API', async () => {
    const created = await send('POST', `${base}/notes`, { title: 'Shopping', text: 'milk\nbread' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Shopping', text: 'milk\nbread', pinned: false });
    const other = await send('POST', `${base}/notes`, { text: 'Call the plumber' });
    expect(other.body.title).toBe('Call the plumber');

    const empty = await send('POST', `${base}/notes`, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'text: is required' });

    const pinned = await send('PATCH', `${base}/notes/${created.body.id}`, { pinned: true });
    expect(pinned.body.pinned).toBe(true);
    const list = await getJson<any>(`${base}/notes`);
    expect(list.body.items.map((n: any) => n.title)).toEqual(['Shopping', 'Call the plumber']);
    const found = await getJson<any>(`${base}/notes?q=PLUMBER`);
    expect(found.body.items.map((n: any) => n.id)).toEqual([other.body.id]);

    const removed = await send('DELETE', `${base}/notes/${other.body.id}`);
    expect(removed.status).toBe(200);
    expect((await send('GET', `${base}/notes/${other.body.id}`)).status).toBe(404);
    expect((await send('DELETE', `${base}/notes/${other.body.id}`)).status).toBe(404);
  });

  it('adds a note through the notes.add action', async () => {
    const res = await send('POST', `${env.api}/actions/execute`, {
      type: 'notes.add',
      capability: 'exec.notes.add',
      payload: { text: 'from an action' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.result.text).toBe('from an action');
    const list = await getJson<any>(`${base}/notes`);
    expect(list.body.items.map((n: any) => n.text)).toContain('from an action');
  });

  it('renders the notes into its page with their text escaped', async () => {
    await send('POST', `${base}/notes`, { title: 'Shopping', text: 'milk\nbread' });
    await send('POST', `${base}/notes`, { title: 'xss', text: '<script>alert(1)</script>' });
    const { html } = await page();
    expect(html).toContain('Shopping');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  it('keeps the notes in its data folder across a reload', async () => {
    expect((await send('POST', `${base}/notes`, { title: 'Kept', text: 'across a reload' })).status).toBe(201);
    const before = await getJson<any>(`${base}/notes`);
    expect(before.body.items).toHaveLength(1);
    const reload = await send('POST', `${env.api}/plugins/notes/reload`);
    expect(reload.body.state).toBe('active');
    const after = await getJson<any>(`${base}/notes`);
    expect(after.body.items).toEqual(before.body.items);
  });

  it('declares no page manifest, so its menu entry opens the notes pad itself', async () => {
    // Without page_manifest.yaml the backend answers a bare fallback (no errors), which the details
    // page replaces with the plugin's own page while the plugin is active: the editor comes first.
    const { body } = await getJson<any>(`${env.api}/plugins/notes/manifest`);
    expect(body.negotiation).toMatchObject({ accepted: false, fallback_used: true, errors: [] });
    const { body: details } = await getJson<any>(`${env.api}/plugins/notes`);
    expect(details).toMatchObject({ state: 'active', page_available: true, ui: { show_in_menu: true, has_page: true } });
  });
});
