import { apiPrefixOf } from '@oko/shared';
import { typescriptFiles } from './templates-ts.js';

/**
 * The files `oko-plugin init <name>` writes: a small, working plugin that uses every part of the
 * API; with `ts`, the same plugin in TypeScript with a build step.
 */
export function scaffoldFiles(name: string, options: { ts?: boolean } = {}): Record<string, string> {
  const js = javascriptFiles(name);
  return options.ts ? typescriptFiles(name, apiPrefixOf(name), js) : js;
}

function javascriptFiles(name: string): Record<string, string> {
  const prefix = apiPrefixOf(name);
  const title = name
    .split('_')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  return {
    'manifest.json': json({
      name,
      version: '0.1.0',
      description: `${title}: describe what it does for the dashboard's users.`,
      author: '',
      license: 'MIT',
      tags: [],
      capabilities: [`exec.${name}.hello`, `read.${name}.items`],
      main: 'index.js',
    }),
    'package.json': json({
      name: prefix,
      private: true,
      type: 'module',
      scripts: { test: 'node --test', validate: 'oko-plugin validate .', pack: 'oko-plugin pack .' },
    }),
    'ui.yaml': `# How ${name} appears in the dashboard.
has_page: true
page_title: ${title}
page_icon: puzzle
show_in_menu: true
menu_group: Plugins
menu_order: 100
api_prefix: ${prefix}
`,
    'page_manifest.yaml': `# The plugin's page, drawn by the dashboard's own components.
plugin_id: ${name}
manifest_version: "1.0"
plugin_api_version: "1.0"
capabilities: [read.${name}.items]
page:
  enabled: true
  layout: content-only
  components:
    - { id: intro, type: text, text: "Items added with POST /api/v1/plugins/${prefix}/items" }
    - id: items
      type: data-table
      columns: [{ key: id, label: "#" }, { key: text, label: Item }, { key: created_at, label: Added }]
      dataSource: { type: http, method: GET, endpoint: /api/v1/plugins/${prefix}/items, response_path: items }
      loadingText: Loading…
      emptyText: No items yet
      errorText: Could not load the items
frontend:
  renderer: universal
`,
    'index.js': `// ${name}: runs in a plugin host of its own; the dashboard talks to it through ctx.
// Routes live under /api/v1/plugins/${prefix}/*. Keep anything that must survive a reload in
// ctx.dataDir: this in-memory list starts empty on every load.
const items = [];

export async function setup(ctx) {
  ctx.routes.get('/items', async () => ({ items, total: items.length }));

  ctx.routes.post('/items', async (req) => {
    const text = typeof req.body?.text === 'string' ? req.body.text.trim() : '';
    if (!text) return ctx.response(400, { error: { code: 'VALIDATION_FAILED', message: 'text: is required' } });
    const item = { id: items.length + 1, text, created_at: new Date().toISOString() };
    items.push(item);
    ctx.events.emit('${name}.item_added', item);
    return ctx.response(201, item);
  });

  // Run with POST /api/v1/actions/execute {"type":"${name}.hello","capability":"exec.${name}.hello","payload":{"name":"Ada"}}
  ctx.actions.register('${name}.hello', async (payload) => ({ message: \`Hello, \${payload?.name ?? 'world'}!\` }));

  ctx.log.info('${name} ready');
}

export async function teardown() {
  items.length = 0;
}
`,
    'test/plugin.test.js': `// Runs with \`node --test\` (npm test): calls setup() with a small stand-in for the dashboard's ctx.
// For a test against a real dashboard, see docs/plugin-authoring.md in the OKO repository.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setup, teardown } from '../index.js';

function recordingContext() {
  const routes = new Map();
  const actions = new Map();
  const events = [];
  const route = (method) => (path, handler) => routes.set(\`\${method} \${path}\`, handler);
  const ctx = {
    id: '${name}',
    dataDir: '.',
    routes: { get: route('GET'), post: route('POST'), put: route('PUT'), patch: route('PATCH'), delete: route('DELETE') },
    actions: { register: (type, handler) => actions.set(type, handler) },
    events: { on() {}, off() {}, emit: (topic, data) => events.push({ topic, data }) },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    page() {},
    response: (status, body, headers) => ({ status, body, headers }),
  };
  return { ctx, routes, actions, events };
}

test('adds an item and lists it', async () => {
  const { ctx, routes, events } = recordingContext();
  await setup(ctx);
  const created = await routes.get('POST /items')({ body: { text: 'first' }, params: {}, query: {}, headers: {} });
  assert.equal(created.status, 201);
  const listed = await routes.get('GET /items')({ params: {}, query: {}, headers: {} });
  assert.deepEqual(listed.items.map((i) => i.text), ['first']);
  assert.equal(events[0].topic, '${name}.item_added');
  await teardown();
});

test('refuses an item without text', async () => {
  const { ctx, routes } = recordingContext();
  await setup(ctx);
  const answer = await routes.get('POST /items')({ body: {}, params: {}, query: {}, headers: {} });
  assert.equal(answer.status, 400);
  await teardown();
});

test('the hello action greets by name', async () => {
  const { ctx, actions } = recordingContext();
  await setup(ctx);
  assert.deepEqual(await actions.get('${name}.hello')({ name: 'Ada' }), { message: 'Hello, Ada!' });
  await teardown();
});
`,
    'README.md': `# ${title}

An OKO Dashboard plugin.

\`\`\`bash
npm test                                   # node --test: every test/*.test.js
oko-plugin validate .                      # the store's own checks
oko-plugin pack .                          # ${name}-0.1.0.zip
oko-plugin publish . --store http://localhost:8001/api/v1
\`\`\`

Routes: \`GET/POST /api/v1/plugins/${prefix}/items\`. Action: \`${name}.hello\` (capability \`exec.${name}.hello\`).
`,
  };
}
