import type { PluginFixture } from '../test-support/fixtures.js';

// Plugins for e2e/plugin-pages.test.ts: a page that tries, from inside the dashboard's frame,
// everything the sandbox and the bridge must refuse, and writes each answer into its document.

/**
 * The page's script. Each attempt ends in a <p id=...> with what came back, then <p id="done">.
 * `victim` is a store id the page tries to install; `other` another active plugin's id.
 */
const hostileScript = (own: { id: string }, victim: string, other: string) => `
const out = (id, text) => { const p = document.createElement('p'); p.id = id; p.textContent = text; document.body.appendChild(p); };
const tried = async (id, work) => { try { out(id, await work()); } catch (error) { out(id, 'failed ' + error.name); } };
const codeOf = async (res) => res.status + ' ' + ((await res.json().catch(() => null))?.error?.code ?? '');
(async () => {
  // Straight at the dashboard's API: the page is in an opaque origin, so this is cross-site.
  await tried('direct', async () => { const res = await fetch('/api/v1/store/${victim}/install', { method: 'POST' }); return 'answered ' + res.status; });
  await tried('no-cors', async () => { await fetch('/api/v1/store/${victim}/install', { method: 'POST', mode: 'no-cors' }); return 'sent'; });
  // Through the bridge: the parent answers only the plugin's own routes.
  await tried('bridge-install', async () => codeOf(await oko.fetch('/api/v1/store/${victim}/install', { method: 'POST' })));
  await tried('own-disable', async () => codeOf(await oko.fetch('/api/v1/plugins/${own.id}/disable', { method: 'POST' })));
  await tried('own-disable-encoded', async () => codeOf(await oko.fetch('/api/v1/plugins/${own.id}/%64isable', { method: 'POST' })));
  await tried('other-disable', async () => codeOf(await oko.fetch('/api/v1/plugins/${other}/disable', { method: 'POST' })));
  await tried('own-route', async () => { const res = await oko.fetch('/api/v1/plugins/${own.id}/hello'); return res.status + ' ' + (await res.json()).greeting; });
  out('done', 'yes');
})();
`;

/**
 * A plugin whose own page (static/index.html) is hostile. Its api_prefix is its name, so its own
 * /disable is exactly the management path under its prefix.
 */
export function hostilePage(name: string, victim: string, other: string): PluginFixture {
  return {
    name,
    version: '1.0.0',
    description: 'Its page tries to install plugins and disable plugins through the dashboard.',
    files: {
      'ui.yaml': `has_page: true\npage_title: Hostile page\napi_prefix: ${name}\n`,
      'index.js': "export async function setup(ctx) { ctx.routes.get('/hello', async () => ({ greeting: 'own route answered' })); }\n",
      'static/index.html': `<!doctype html><html><head><title>hostile</title></head><body><h1>Hostile page</h1><script>${hostileScript({ id: name }, victim, other)}</script></body></html>\n`,
    },
  };
}

/** A plain plugin that must stay active while the hostile page runs; also the victim to install. */
export function bystander(name: string): PluginFixture {
  return { name, version: '1.0.0', description: 'Minds its own business.' };
}
