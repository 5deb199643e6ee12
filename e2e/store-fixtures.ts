import type { PluginFixture } from '../test-support/fixtures.js';

// Plugins for the store details page's browser test (e2e/store-details.test.ts): a README that
// tries every way a package could run code or track its readers, and a well-kept plugin whose page
// is what the screenshots show.

/** The window property every hostile payload sets; the test asserts it stays unset. */
export const PWNED = '__okoPwned';
const set = (how: string) => `window.top.${PWNED}='${how}'`;

/** An SVG that would set the flag if it ever ran as a document: README image links load it as an image, where scripts never run. */
export const EVIL_SVG = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" onload="${set('svg-asset-onload')}">`,
  `<script>${set('svg-asset-script')}</script>`,
  '<rect width="120" height="40" fill="#fde8e8"/>',
  '</svg>',
].join('');

/** A harmless picture for the README: served from the package by the README asset route. */
export const PREVIEW_SVG = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="160" viewBox="0 0 480 160">',
  '<rect width="480" height="160" rx="12" fill="#eceefe"/>',
  '<polyline points="20,130 80,90 140,100 200,60 260,70 320,40 380,55 460,25" fill="none" stroke="#4c5bd4" stroke-width="4"/>',
  '<text x="20" y="30" font-family="sans-serif" font-size="16" fill="#111827">Response time, last 24 h</text>',
  '</svg>',
].join('');

const dataHtml = Buffer.from(`<script>${set('data-link')}</script>`).toString('base64');
const dataSvg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="${set('data-image')}"/>`).toString('base64');

/** Every attack on the details page a README can carry: raw HTML, script URLs, handlers, SVG, frames, data: URLs, a tracker. */
export const HOSTILE_README = [
  '# Hostile README',
  '',
  'A README that tries every trick. None of it may run.',
  '',
  `<script>${set('script')}</script>`,
  '',
  `<img src="x" onerror="${set('onerror')}">`,
  '',
  `<iframe src="javascript:${set('iframe')}"></iframe>`,
  '',
  `<svg><script>${set('inline-svg')}</script></svg>`,
  '',
  `<svg onload="${set('svg-onload')}"></svg>`,
  '',
  `<object data="javascript:${set('object')}"></object><embed src="javascript:${set('embed')}">`,
  '',
  `<form action="javascript:${set('form')}"><button>Send</button></form>`,
  '',
  '<div style="background:url(https://tracker.invalid/bg.png)">styled</div>',
  '',
  `[Click me](javascript:${set('js-link')})`,
  '',
  `[Shouting](JAVASCRIPT:${set('js-link-upper')})`,
  '',
  `<javascript:${set('autolink')}>`,
  '',
  `[Data link](data:text/html;base64,${dataHtml})`,
  '',
  '[VB link](vbscript:msgbox(1))',
  '',
  '![evil svg](evil.svg)',
  '',
  '![preview](img/preview.svg)',
  '',
  '![tracker](https://tracker.invalid/pixel.gif)',
  '',
  `![data image](data:image/svg+xml;base64,${dataSvg})`,
  '',
  '[Project docs](https://example.com/docs)',
  '',
].join('\n');

/** The README of the plugin the screenshots show. */
const UPTIME_README = [
  '# Uptime board',
  '',
  'Checks your sites every minute and draws how fast they answer. Add a site on its page, and the',
  'dashboard shows how many are up.',
  '',
  '![Response times](img/preview.svg)',
  '',
  '## Setup',
  '',
  '1. Install it from the store.',
  '2. Open **Uptime board** in the menu and add the addresses to watch.',
  '3. Set `UPTIME_BOARD_INTERVAL` to check more or less often.',
  '',
  '```sh',
  'UPTIME_BOARD_INTERVAL=30',
  '```',
  '',
  '| Setting | Default | What it does |',
  '| --- | --: | --- |',
  '| `UPTIME_BOARD_INTERVAL` | 60 | seconds between checks |',
  '',
  'Questions: [the project page](https://example.com/uptime-board) or [mail us](mailto:uptime@example.com).',
  '',
  '![Build status](https://img.shields.invalid/badge.svg)',
  '',
].join('\n');

/** A plugin named `name` with the hostile README (and its two SVG files). */
export function hostilePlugin(name: string): PluginFixture {
  const manifest = {
    name,
    version: '1.0.0',
    display_name: 'Hostile Readme',
    description: 'A package whose README tries to run code in the dashboard.',
    author: 'Mallory',
    tags: ['security-fixture'],
    capabilities: [],
  };
  return {
    name,
    files: {
      'manifest.json': JSON.stringify(manifest),
      'README.md': HOSTILE_README,
      'evil.svg': EVIL_SVG,
      'img/preview.svg': PREVIEW_SVG,
    },
  };
}

/**
 * A well-kept plugin: display name, icon, tags, a page and an indicator, a permission, an engines
 * range, a README with a picture. `extra` adds to its manifest (a display name, tags, a description).
 */
export function uptimePlugin(name: string, extra: Record<string, unknown> = {}): PluginFixture {
  const manifest = {
    name,
    version: '2.1.0',
    display_name: 'Uptime board',
    description: 'Checks your sites every minute and shows how fast they answer.',
    author: 'OKO Labs',
    license: 'MIT',
    tags: ['monitoring', 'http'],
    capabilities: [`read.${name}.sites`],
    permissions: { network: ['*:443'], env: ['UPTIME_BOARD_INTERVAL'] },
    engines: { oko: '>=1.0.0 <2' },
    ...extra,
  };
  const ui = [
    'has_page: true',
    'page_title: Uptime board',
    'page_icon: activity',
    'show_in_menu: true',
    'widgets:',
    '  - { id: sites_up, title: Sites up, type: stat_card }',
    '',
  ].join('\n');
  return {
    name,
    files: { 'manifest.json': JSON.stringify(manifest), 'ui.yaml': ui, 'README.md': UPTIME_README, 'img/preview.svg': PREVIEW_SVG },
  };
}
