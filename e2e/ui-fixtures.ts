import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { pluginZip, type PluginFixture } from '../test-support/fixtures.js';

// Plugins and a browser for the web UI's end-to-end tests (e2e/*.test.ts; browser-system.ts starts the whole system).

/**
 * A fixture plugin under a given name. The name is also the plugin's id in its page manifest, its
 * capabilities and (with dashes) its API prefix, so two copies installed side by side never collide.
 * `mark` is the part of the name that is unique, for descriptions and tags a search can single out.
 */
export interface FixtureTemplate {
  base: string;
  build: (name: string, mark: string) => PluginFixture;
}

let made = 0;

/** A copy of `template` that no other test shares: named `${base}_${mark}`, mark a two-digit counter. */
export function uniqueFixture(template: FixtureTemplate): PluginFixture & { mark: string } {
  const mark = String(++made).padStart(2, '0');
  return { ...template.build(`${template.base}_${mark}`, mark), mark };
}

/** The API prefix a fixture's ui.yaml declares: its name with dashes. */
const apiPrefixOf = (name: string) => name.replaceAll('_', '-');

const LAN_WATCH_INDEX = `
const items = [
  { zone: 'office', host: '10.0.0.2', port: 22, service: 'ssh' },
  { zone: 'office', host: '10.0.0.2', port: 443, service: 'https' },
  { zone: 'office', host: '10.0.0.7', port: 631, service: 'ipp' },
  { zone: 'lab', host: '10.0.1.4', port: 8080, service: 'http' },
  { zone: '', host: '10.0.9.9', port: 53, service: 'dns' },
];
export async function setup(ctx) {
  ctx.routes.get('/hosts', async () => ({ data: { items } }));
  ctx.routes.get('/stats', async () => ({ up: 4, total: 5 }));
}
export async function teardown() {}
`;

/** A plugin with a page: a grouped table, a stat-card indicator, a menu entry. */
export const LAN_WATCH: FixtureTemplate = {
  base: 'lan_watch',
  build: (name, mark) => {
    const prefix = apiPrefixOf(name);
    return {
      name,
      version: '1.2.0',
      description: `Watches the hosts on the local network of site ${mark} and the ports they answer on.`,
      author: 'OKO QA',
      capabilities: [`read.${name}.hosts`],
      files: {
        'ui.yaml': [
          'has_page: true',
          'page_title: LAN watch',
          'page_icon: network',
          'show_in_menu: true',
          'menu_group: Network',
          'menu_order: 10',
          `api_prefix: ${prefix}`,
          '',
        ].join('\n'),
        'page_manifest.yaml': [
          `plugin_id: ${name}`,
          'manifest_version: "1.0"',
          'plugin_api_version: "1.0"',
          `capabilities: [read.${name}.hosts]`,
          'page:',
          '  enabled: true',
          '  layout: content-only',
          '  components:',
          '    - { id: intro, type: text, text: "Hosts seen on the network, by zone." }',
          '    - id: hosts',
          '      type: data-table',
          '      title: Open ports',
          '      columns: [{ key: host, label: Host }, { key: port, label: Port }, { key: service, label: Service }]',
          '      groupBy: [{ field: zone, label: Zone, emptyLabel: No zone }, { field: host, label: Host }]',
          `      dataSource: { type: http, method: GET, endpoint: /api/v1/plugins/${prefix}/hosts, response_path: data.items }`,
          '      loadingText: Scanning…',
          '      emptyText: No hosts yet',
          '      errorText: Could not load the hosts',
          '    - { id: radar, type: radar-chart, title: Coverage }',
          'dashboard:',
          '  indicators:',
          `    - { id: hosts_up, widget: { type: stat_card, title: Hosts up, endpoint: /api/v1/plugins/${prefix}/stats, value_path: up } }`,
          'frontend:',
          '  renderer: universal',
          '',
        ].join('\n'),
        'index.js': LAN_WATCH_INDEX,
      },
    };
  },
};

/** A plugin without a page manifest: its details page shows the fallback reason. Its first tag is its own. */
export const WEATHER: FixtureTemplate = {
  base: 'weather_widget',
  build: (name, mark) => {
    const manifest = {
      name,
      version: '0.3.1',
      description: 'Shows the local forecast on the dashboard.',
      author: 'Jane Roe',
      tags: [`outdoor-${mark}`, 'forecast'],
      capabilities: [],
    };
    const { description, author, version } = manifest;
    return { name, version, description, author, files: { 'manifest.json': JSON.stringify(manifest) } };
  },
};

/** A plugin whose setup throws: loading it ends in state error with the reason. */
export const BROKEN: FixtureTemplate = {
  base: 'broken_probe',
  build: (name) => ({
    name,
    version: '0.0.1',
    description: 'Fails on purpose when loaded.',
    files: { 'index.js': "export async function setup() { throw new Error('probe hardware not found'); }\n" },
  }),
};

// The custom bundle asks for its own API and for a path outside it, and writes both answers
// into its document, where the test reads them through the frame.
const bundle = (prefix: string) => `(async () => {
  const own = await window.oko.request('/api/v1/plugins/${prefix}/hello');
  const foreign = await window.oko.request('/api/v1/store');
  document.getElementById('app').innerHTML =
    '<p id="own">' + own.status + ' ' + own.body.greeting + '</p>' +
    '<p id="foreign">' + foreign.status + ' ' + foreign.body.error.code + '</p>';
})();
`;

/** A plugin whose page is its own JavaScript bundle, run in the sandboxed frame. */
export const CUSTOM_DEMO: FixtureTemplate = {
  base: 'custom_demo',
  build: (name) => {
    const prefix = apiPrefixOf(name);
    const source = bundle(prefix);
    return {
      name,
      version: '1.0.0',
      description: 'Draws its page with its own bundle.',
      capabilities: [`read.${name}.hello`],
      files: {
        'ui.yaml': `has_page: true\npage_title: Custom demo\napi_prefix: ${prefix}\n`,
        'static/page.js': source,
        'page_manifest.yaml': [
          `plugin_id: ${name}`,
          'manifest_version: "1.0"',
          'page: { enabled: true, layout: content-only, components: [] }',
          'frontend:',
          '  renderer: custom',
          `  customBundle: { enabled: true, entry: static/page.js, integrity: "sha384-${createHash('sha384').update(source).digest('base64')}" }`,
          '',
        ].join('\n'),
        'index.js': "export async function setup(ctx) { ctx.routes.get('/hello', async () => ({ greeting: 'hello from the bridge' })); }\n",
      },
    };
  },
};

/** Uploaded through the UI's "Upload ZIP" dialog. */
export const DISK_REPORT: FixtureTemplate = {
  base: 'disk_report',
  build: (name) => ({ name, version: '2.0.0', description: 'Reports free disk space per mount point.', author: 'OKO QA' }),
};

export async function fixtureZip(fixture: PluginFixture): Promise<Buffer> {
  return pluginZip(fixture);
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium with a fresh profile folder, so no state leaks between runs. */
export async function launchBrowser(): Promise<{ context: BrowserContext; profileDir: string }> {
  const profileDir = await mkdtemp(path.join(tmpdir(), 'oko-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  return { context, profileDir };
}
