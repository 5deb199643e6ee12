import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The SDK types a TypeScript plugin compiles against: a standalone copy of @oko/shared's
 * plugin-sdk.ts (packages/cli/templates/oko-plugin.d.ts, kept equal to it by a test). Copied into
 * the plugin rather than imported, because no types package is published: the plugin builds with
 * nothing but `typescript` installed, wherever the CLI came from.
 */
export const SDK_TYPES_FILE = path.resolve(import.meta.dirname, '../../templates/oko-plugin.d.ts');

/** What `init --ts` changes in the JavaScript scaffold: src/index.ts, built by `tsc` to dist/index.js. */
export function typescriptFiles(name: string, prefix: string, js: Record<string, string>): Record<string, string> {
  const { 'index.js': _code, ...kept } = js;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const manifest = JSON.parse(js['manifest.json']!) as Record<string, unknown>;
  return {
    ...kept,
    'manifest.json': json({ ...manifest, main: 'dist/index.js' }),
    'package.json': json({
      name: prefix,
      private: true,
      type: 'module',
      scripts: {
        build: 'tsc',
        test: 'npm run build && node --test',
        validate: 'npm run build && oko-plugin validate .',
        dev: 'oko-plugin dev .',
        pack: 'npm run build && oko-plugin pack .',
      },
      devDependencies: { typescript: '^5.9.3' },
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        rootDir: 'src',
        outDir: 'dist',
        // A build with type errors writes nothing, so dist/ never holds code that did not compile.
        noEmitOnError: true,
        skipLibCheck: true,
      },
      include: ['src'],
    }),
    '.gitignore': 'node_modules/\ndist/\n',
    'src/oko-plugin.d.ts': readFileSync(SDK_TYPES_FILE, 'utf8'),
    'src/index.ts': indexTs(name, prefix),
    'test/plugin.test.js': js['test/plugin.test.js']!.replace("from '../index.js'", "from '../dist/index.js'"),
    'README.md': readme(name, prefix, js['README.md']!),
  };
}

function indexTs(name: string, prefix: string): string {
  return `// ${name}: runs in a plugin host of its own; the dashboard talks to it through ctx.
// Routes live under /api/v1/plugins/${prefix}/*. Keep anything that must survive a reload in
// ctx.dataDir: this in-memory list starts empty on every load. \`npm run build\` (tsc) writes
// dist/index.js, the file manifest.json names as main; \`oko-plugin dev\` runs it on every save.
import type { PluginContext, PluginRequest } from './oko-plugin.js';

interface Item {
  id: number;
  text: string;
  created_at: string;
}

const items: Item[] = [];

export async function setup(ctx: PluginContext): Promise<void> {
  ctx.routes.get('/items', async () => ({ items, total: items.length }));

  ctx.routes.post('/items', async (req: PluginRequest) => {
    const body = req.body as { text?: unknown } | undefined;
    const text = typeof body?.text === 'string' ? body.text.trim() : '';
    if (!text) return ctx.response(400, { error: { code: 'VALIDATION_FAILED', message: 'text: is required' } });
    const item: Item = { id: items.length + 1, text, created_at: new Date().toISOString() };
    items.push(item);
    ctx.events.emit('${name}.item_added', item);
    return ctx.response(201, item);
  });

  // Run with POST /api/v1/actions/execute {"type":"${name}.hello","capability":"exec.${name}.hello","payload":{"name":"Ada"}}
  ctx.actions.register('${name}.hello', async (payload) => {
    const who = (payload as { name?: unknown } | undefined)?.name;
    return { message: \`Hello, \${typeof who === 'string' ? who : 'world'}!\` };
  });

  ctx.log.info('${name} ready');
}

export async function teardown(): Promise<void> {
  items.length = 0;
}
`;
}

function readme(name: string, prefix: string, js: string): string {
  const title = js.split('\n')[0]!.replace(/^# /, '');
  return `# ${title}

An OKO Dashboard plugin, written in TypeScript (src/index.ts; the API's types are in
src/oko-plugin.d.ts).

\`\`\`bash
npm install                                # typescript, for the build
oko-plugin dev . --backend http://localhost:8000   # build, run in a dashboard, reload on every save
npm test                                   # build, then node --test: every test/*.test.js
oko-plugin validate .                      # the store's own checks (after npm run build)
oko-plugin pack .                          # ${name}-0.1.0.zip
\`\`\`

Routes: \`GET/POST /api/v1/plugins/${prefix}/items\`. Action: \`${name}.hello\` (capability \`exec.${name}.hello\`).
`;
}
