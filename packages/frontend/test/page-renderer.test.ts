import { createHash } from 'node:crypto';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Negotiation, PageManifest } from '../src/api/page-manifest-types.js';
import { settings, settingsError } from '../src/lib/settings.js';
import PluginPageRenderer from '../src/page-renderer/PluginPageRenderer.vue';
import { json, never, stubFetch } from './fetch-stub.js';

const ACCEPTED: Negotiation = { accepted: true, fallback_used: false, reason: 'page manifest accepted', errors: [] };
const PREFIX = 'net-scan';
const HOSTS = `/api/v1/plugins/${PREFIX}/hosts`;

/** Loosely typed on purpose: tests feed layouts and types the schema would not allow. */
function page(components: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): PageManifest {
  return {
    plugin_id: 'net_scan',
    manifest_version: '1.0',
    page: { enabled: true, layout: 'content-only', components, ...extra },
  } as PageManifest;
}

function render(manifest: PageManifest, negotiation: Negotiation = ACCEPTED, active = true) {
  return mount(PluginPageRenderer, {
    props: { manifest, negotiation, pluginId: 'net_scan', apiPrefix: PREFIX, active },
    attachTo: document.body,
  });
}

const table = (extra: Record<string, unknown> = {}) => ({
  id: 'hosts',
  type: 'data-table',
  columns: [
    { key: 'host', label: 'Host' },
    { key: 'port', label: 'Port' },
  ],
  dataSource: { type: 'http', method: 'GET', endpoint: HOSTS, response_path: 'data.items' },
  loadingText: 'Loading hosts…',
  emptyText: 'No hosts yet',
  errorText: 'Could not load hosts',
  ...extra,
});

const ITEMS = [
  { host: 'alpha', port: 22, proto: 'tcp' },
  { host: 'alpha', port: 80, proto: 'tcp' },
  { host: 'beta', port: 53, proto: 'udp' },
  { host: '', port: 9, proto: 'udp' },
];

/** The backend's settings route, as the renderer reads it before running a bundle. */
const settingsRoute = (enabled: boolean) => ({ '/api/v1/system/settings': () => json({ custom_bundles_enabled: enabled }) });

beforeEach(() => {
  settings.value = null;
  settingsError.value = null;
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('PluginPageRenderer: universal components', () => {
  it('draws a text component as text, never as HTML', () => {
    stubFetch({});
    const wrapper = render(page([{ id: 'intro', type: 'text', text: 'Hosts <b>seen</b> on the network' }]));
    const text = wrapper.find('[data-component="intro"]');
    expect(text.text()).toContain('Hosts <b>seen</b> on the network');
    expect(text.find('b').exists()).toBe(false);
  });

  it('fills a data table from its endpoint and response_path, with its columns', async () => {
    const { calls } = stubFetch({ [HOSTS]: () => json({ data: { items: ITEMS } }) });
    const wrapper = render(page([table()]));
    await flushPromises();
    expect(calls).toEqual([HOSTS]);
    expect(wrapper.findAll('thead th').map((th) => th.text())).toEqual(['Host', 'Port']);
    const rows = wrapper.findAll('tbody tr.data-row').map((tr) => tr.findAll('td').map((td) => td.text()));
    expect(rows).toEqual([
      ['alpha', '22'],
      ['alpha', '80'],
      ['beta', '53'],
      ['—', '9'],
    ]);
  });

  it('shows the loading text while the endpoint has not answered', async () => {
    stubFetch({ [HOSTS]: never });
    const wrapper = render(page([table()]));
    await flushPromises();
    expect(wrapper.find('[data-state="loading"]').text()).toContain('Loading hosts…');
  });

  it('shows the empty text for an empty list', async () => {
    stubFetch({ [HOSTS]: () => json({ data: { items: [] } }) });
    const wrapper = render(page([table()]));
    await flushPromises();
    expect(wrapper.find('[data-state="empty"]').text()).toBe('No hosts yet');
  });

  it('shows the error text with the reason when the endpoint fails', async () => {
    stubFetch({ [HOSTS]: () => json({ error: { code: 'ROUTE_NOT_FOUND', message: 'Plugin net_scan is not active' } }, 404) });
    const wrapper = render(page([table()]));
    await flushPromises();
    const error = wrapper.find('[data-state="error"]');
    expect(error.text()).toContain('Could not load hosts');
    expect(error.text()).toContain('Plugin net_scan is not active');
  });

  it('shows the error text when response_path does not lead to a list', async () => {
    stubFetch({ [HOSTS]: () => json({ data: { count: 3 } }) });
    const wrapper = render(page([table()]));
    await flushPromises();
    expect(wrapper.find('[data-state="error"]').text()).toContain('does not point at a list');
  });

  it('refuses a data source outside the plugin API prefix without fetching it', async () => {
    const { calls } = stubFetch({});
    const wrapper = render(page([table({ dataSource: { endpoint: '/api/v1/store', response_path: 'plugins' } })]));
    await flushPromises();
    expect(calls).toEqual([]);
    expect(wrapper.find('[data-state="error"]').text()).toContain('outside /api/v1/plugins/net-scan/');
  });

  it('groups rows in nested groups with counts, and collapses a group', async () => {
    stubFetch({ [HOSTS]: () => json({ data: { items: ITEMS } }) });
    const grouped = table({
      groupBy: [
        { field: 'proto', label: 'Protocol' },
        { field: 'host', label: 'Host', emptyLabel: 'Unknown' },
      ],
    });
    const wrapper = render(page([grouped]));
    await flushPromises();
    const headers = () =>
      wrapper.findAll('tr.group-row').map((tr) => tr.find('.group-label').text() + ' ' + tr.find('.group-count').text());
    expect(headers()).toEqual(['Protocol: tcp 2', 'Host: alpha 2', 'Protocol: udp 2', 'Host: beta 1', 'Host: Unknown 1']);
    expect(wrapper.findAll('tr.data-row')).toHaveLength(4);

    const tcp = wrapper.findAll('tr.group-row')[0]!.find('button');
    expect(tcp.attributes('aria-expanded')).toBe('true');
    await tcp.trigger('click');
    expect(tcp.attributes('aria-expanded')).toBe('false');
    expect(headers()).toEqual(['Protocol: tcp 2', 'Protocol: udp 2', 'Host: beta 1', 'Host: Unknown 1']);
    expect(wrapper.findAll('tr.data-row')).toHaveLength(2);

    await wrapper.findAll('tr.group-row')[0]!.find('button').trigger('click');
    expect(wrapper.findAll('tr.data-row')).toHaveLength(4);
  });

  it('filters rows, and the group counts follow the filter', async () => {
    stubFetch({ [HOSTS]: () => json({ data: { items: ITEMS } }) });
    const wrapper = render(page([table({ groupBy: [{ field: 'proto', label: 'Protocol' }] })]));
    await flushPromises();
    await wrapper.find('[data-testid="table-filter"]').setValue('alpha');
    expect(wrapper.findAll('tr.data-row')).toHaveLength(2);
    expect(wrapper.findAll('tr.group-row').map((tr) => tr.find('.group-count').text())).toEqual(['2']);
    await wrapper.find('[data-testid="table-filter"]').setValue('zzz');
    expect(wrapper.find('[data-state="no-match"]').exists()).toBe(true);
  });

  it('shows an unknown component type as unsupported in its place and draws the rest', async () => {
    stubFetch({ [HOSTS]: () => json({ data: { items: ITEMS } }) });
    const wrapper = render(page([{ id: 'intro', type: 'text', text: 'Before' }, { id: 'globe', type: 'world-map' }, table()]));
    await flushPromises();
    const blocks = wrapper.findAll('.page-block').map((block) => block.find('[data-component]').attributes('data-component'));
    expect(blocks).toEqual(['intro', 'globe', 'hosts']);
    const unsupported = wrapper.find('[data-unsupported="true"]');
    expect(unsupported.text()).toContain('Unsupported component');
    expect(unsupported.text()).toContain('world-map');
    expect(wrapper.findAll('tr.data-row')).toHaveLength(4);
  });

  it('draws a stat-card with the value at its value_path', async () => {
    stubFetch({ [`/api/v1/plugins/${PREFIX}/stats`]: () => json({ cpu: { display: '12 %' } }) });
    const wrapper = render(
      page([
        {
          id: 'cpu',
          type: 'stat-card',
          title: 'CPU',
          dataSource: { type: 'http', endpoint: `/api/v1/plugins/${PREFIX}/stats` },
          value_path: 'cpu.display',
        },
      ]),
    );
    await flushPromises();
    expect(wrapper.find('[data-component="cpu"] [data-state="ready"]').text()).toBe('12 %');
  });

  it('draws a key-value component with labelled fields', async () => {
    stubFetch({ [`/api/v1/plugins/${PREFIX}/host`]: () => json({ data: { os: 'linux', cores: 2 } }) });
    const wrapper = render(
      page([
        {
          id: 'facts',
          type: 'key-value',
          columns: [
            { key: 'os', label: 'System' },
            { key: 'cores', label: 'Cores' },
          ],
          dataSource: { type: 'http', endpoint: `/api/v1/plugins/${PREFIX}/host`, response_path: 'data' },
        },
      ]),
    );
    await flushPromises();
    expect(wrapper.findAll('[data-component="facts"] dt').map((dt) => dt.text())).toEqual(['System', 'Cores']);
    expect(wrapper.findAll('[data-component="facts"] dd').map((dd) => dd.text())).toEqual(['linux', '2']);
  });

  it('runs an action-button through the action gateway with its capability', async () => {
    let body: unknown;
    stubFetch({
      '/api/v1/actions/execute': (init) => {
        body = JSON.parse(String(init?.body));
        return json({ type: 'net_scan.rescan', plugin_id: 'net_scan', result: { ok: true }, executed_at: '', duration_ms: 1 });
      },
    });
    const wrapper = render(page([{ id: 'rescan', type: 'action-button', title: 'Rescan', capability: 'exec.net_scan.rescan' }]));
    await wrapper.find('[data-component="rescan"] button').trigger('click');
    await flushPromises();
    expect(body).toEqual({ type: 'net_scan.rescan', capability: 'exec.net_scan.rescan', payload: {} });
    expect(wrapper.find('[data-component="rescan"] [role="status"]').text()).toContain('Rescan done');
  });

  it("refuses an action that is not the plugin's own, without calling the gateway", async () => {
    const { calls } = stubFetch({});
    const wrapper = render(page([{ id: 'wipe', type: 'action-button', title: 'Wipe', capability: 'exec.other_plugin.wipe' }]));
    await wrapper.find('[data-component="wipe"] button').trigger('click');
    await flushPromises();
    expect(calls).toEqual([]);
    expect(wrapper.find('[data-component="wipe"] [role="alert"]').text()).toContain('does not belong to plugin net_scan');
  });

  it('fills a data table from an action data source', async () => {
    stubFetch({
      '/api/v1/actions/execute': () =>
        json({ type: 'net_scan.list', plugin_id: 'net_scan', result: { data: { items: ITEMS } }, executed_at: '', duration_ms: 1 }),
    });
    const wrapper = render(
      page([table({ dataSource: { type: 'action', capability: 'exec.net_scan.list', response_path: 'data.items' } })]),
    );
    await flushPromises();
    expect(wrapper.findAll('tr.data-row')).toHaveLength(4);
  });

  it.each([
    ['content-only', 'layout-content-only'],
    ['with-sidebar', 'layout-with-sidebar'],
    ['dashboard', 'layout-dashboard'],
    ['split-view', 'layout-split-view'],
  ])('draws the %s layout', (layout, className) => {
    stubFetch({});
    const components = [
      { id: 'a', type: 'text', text: 'A' },
      { id: 'b', type: 'text', text: 'B' },
    ];
    const wrapper = render(page(components, { layout }));
    expect(wrapper.find('.page-layout').classes()).toContain(className);
    expect(wrapper.findAll('.page-block')).toHaveLength(2);
    if (layout === 'with-sidebar') expect(wrapper.find('.page-aside nav').text()).toContain('a');
    if (layout === 'split-view') {
      expect(wrapper.find('.page-main [data-component="a"]').exists()).toBe(true);
      expect(wrapper.find('.page-secondary [data-component="b"]').exists()).toBe(true);
    }
  });

  it('falls back to content-only for a layout it does not know', () => {
    stubFetch({});
    const wrapper = render(page([{ id: 'a', type: 'text', text: 'A' }], { layout: 'mosaic' }));
    expect(wrapper.find('.page-layout').classes()).toContain('layout-content-only');
  });

  it('shows the reason and errors of a fallback manifest instead of a page', () => {
    stubFetch({});
    const wrapper = render(
      { plugin_id: 'net_scan', manifest_version: '1.0', page: { enabled: false, layout: 'content-only', components: [] } },
      {
        accepted: false,
        fallback_used: true,
        reason: 'page_manifest.yaml manifest_version 2.0 is incompatible',
        errors: [{ file: 'page_manifest.yaml', path: 'manifest_version', message: 'major 2 not understood' }],
      },
    );
    const fallback = wrapper.find('[data-testid="page-fallback"]');
    expect(fallback.text()).toContain('manifest_version 2.0 is incompatible');
    expect(fallback.text()).toContain('page_manifest.yaml: manifest_version: major 2 not understood');
    expect(wrapper.find('.page-layout').exists()).toBe(false);
  });
});

const BUNDLE = 'document.getElementById("app").textContent = "custom page";';
const BUNDLE_URL = '/api/v1/plugins/net_scan/static/page.js';
const sha384 = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

function customManifest(integrity: string): PageManifest {
  return {
    ...page([{ id: 'intro', type: 'text', text: 'Universal fallback text' }]),
    frontend: { renderer: 'custom', customBundle: { enabled: true, entry: 'static/page.js', integrity } },
  };
}

describe('PluginPageRenderer: custom bundles', () => {
  it('refuses a bundle whose integrity does not match and never puts it in an iframe', async () => {
    stubFetch({ ...settingsRoute(true), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384('some other code')));
    await vi.waitFor(() => expect(wrapper.find('[data-testid="bundle-refused"]').exists()).toBe(true));
    expect(wrapper.find('[data-testid="bundle-refused"]').text()).toMatch(/integrity mismatch/i);
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('refuses a bundle without an integrity hash', async () => {
    stubFetch({ ...settingsRoute(true), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(''));
    await vi.waitFor(() => expect(wrapper.find('[data-testid="bundle-refused"]').exists()).toBe(true));
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('runs a matching bundle only in an iframe sandboxed to allow-scripts', async () => {
    stubFetch({ ...settingsRoute(true), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384(BUNDLE)));
    await vi.waitFor(() => expect(wrapper.find('iframe').exists()).toBe(true));
    const frame = wrapper.find('iframe');
    expect(frame.attributes('sandbox')).toBe('allow-scripts');
    const srcdoc = frame.attributes('srcdoc')!;
    expect(srcdoc).toContain(Buffer.from(BUNDLE).toString('base64'));
    // The CSP leaves the bridge as the bundle's only way out.
    expect(srcdoc).toContain("default-src 'none'");
  });

  it('does not fetch or run any bundle while the kill switch is on, and draws the universal page', async () => {
    const { calls } = stubFetch({ ...settingsRoute(false), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384(BUNDLE)));
    await flushPromises();
    // The switch is read from the backend on every page that would run a bundle, never from this browser.
    expect(calls).toEqual(['/api/v1/system/settings']);
    expect(wrapper.find('iframe').exists()).toBe(false);
    expect(wrapper.find('[data-testid="custom-bundles-off"]').exists()).toBe(true);
    expect(wrapper.text()).toContain('Universal fallback text');
  });

  it('does not fetch or run the bundle of a plugin that is not active', async () => {
    const { calls } = stubFetch({ [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384(BUNDLE)), ACCEPTED, false);
    await flushPromises();
    expect(calls).toEqual([]);
    expect(wrapper.find('iframe').exists()).toBe(false);
    expect(wrapper.find('[data-testid="custom-bundle-inactive"]').exists()).toBe(true);
  });

  it('says why when the backend, with the switch off, answered the manifest as universal', async () => {
    const { calls } = stubFetch({ ...settingsRoute(false), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const custom = customManifest(sha384(BUNDLE));
    const answered = {
      ...custom,
      frontend: { renderer: 'universal', customBundle: { ...custom.frontend!.customBundle!, enabled: false } },
    };
    const wrapper = render(answered as PageManifest);
    await vi.waitFor(() => expect(wrapper.find('[data-testid="custom-bundles-off"]').exists()).toBe(true));
    expect(calls).toEqual(['/api/v1/system/settings']);
    expect(wrapper.text()).toContain('Universal fallback text');
  });

  it('ignores the old per-browser key, and runs no bundle while the settings cannot be read', async () => {
    localStorage.setItem('oko.customBundles.disabled', 'false');
    const { calls } = stubFetch({ [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384(BUNDLE)));
    await vi.waitFor(() => expect(wrapper.find('[data-testid="custom-bundles-unknown"]').exists()).toBe(true));
    expect(calls).toEqual(['/api/v1/system/settings']);
    expect(wrapper.find('iframe').exists()).toBe(false);
    expect(wrapper.text()).toContain('Universal fallback text');
    localStorage.removeItem('oko.customBundles.disabled');
  });

  it('tears the running bundle down when the plugin leaves active', async () => {
    stubFetch({ ...settingsRoute(true), [BUNDLE_URL]: () => new Response(BUNDLE) });
    const wrapper = render(customManifest(sha384(BUNDLE)));
    await vi.waitFor(() => expect(wrapper.find('iframe').exists()).toBe(true));
    await wrapper.setProps({ active: false });
    expect(wrapper.find('iframe').exists()).toBe(false);
    expect(document.querySelector('iframe')).toBeNull();
  });
});
