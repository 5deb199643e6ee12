import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  bridgeClientScript,
  createError,
  fallbackPageManifest,
  formatIssues,
  negotiatePageManifest,
  PAGE_MANIFEST_FILE,
  type BridgeClientContext,
  type PageManifestAnswer,
} from '@oko/shared';
import type { ScannedPlugin } from './scanner.js';

const MAX_PAGE_MANIFEST_BYTES = 256 * 1024;
/** static/index.html is read into memory to carry the bridge client, so it is bounded. */
const MAX_STATIC_PAGE_BYTES = 4 * 1024 * 1024;

async function readOptional(file: string, maxBytes: number): Promise<string | null> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  if (info.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  return readFile(file, 'utf8');
}

/**
 * The page a plugin gets, read from its folder (not its running code, so it works in any state).
 * Every problem becomes a disabled fallback page with the reason; nothing here throws.
 */
export async function pageManifestOf(plugin: ScannedPlugin): Promise<PageManifestAnswer> {
  const answer = (negotiated: ReturnType<typeof negotiatePageManifest>): PageManifestAnswer => ({ plugin_id: plugin.id, ...negotiated });
  if (!plugin.manifest) {
    return answer(fallbackPageManifest(plugin.id, `manifest.json is invalid: ${formatIssues(plugin.issues)}`, plugin.issues));
  }
  let text: string | null;
  try {
    text = await readOptional(path.join(plugin.dir, PAGE_MANIFEST_FILE), MAX_PAGE_MANIFEST_BYTES);
  } catch (error) {
    const issue = { file: PAGE_MANIFEST_FILE, path: '', message: `cannot be read (${(error as Error).message})` };
    return answer(fallbackPageManifest(plugin.id, `${PAGE_MANIFEST_FILE} is invalid`, [issue]));
  }
  return answer(negotiatePageManifest(text, plugin.manifest, plugin.ui));
}

/**
 * The page as drawn while an admin has custom bundles turned off (Settings, server-side): the same
 * components with the universal renderer, and the reason in the negotiation. Decided here, so no
 * browser (a viewer's, an old tab's) is asked to run the bundle at all.
 */
export function withoutCustomBundle(answer: PageManifestAnswer): PageManifestAnswer {
  const frontend = answer.manifest.frontend;
  if (frontend?.renderer !== 'custom') return answer;
  const reason = 'custom bundles are turned off on this dashboard (Settings); the universal renderer draws this page';
  return {
    ...answer,
    manifest: {
      ...answer.manifest,
      frontend: { renderer: 'universal', ...(frontend.customBundle ? { customBundle: { ...frontend.customBundle, enabled: false } } : {}) },
    },
    negotiation: { ...answer.negotiation, reason: `${answer.negotiation.reason}; ${reason}` },
  };
}

/** static/index.html of the plugin, when it has one. */
async function staticPagePath(plugin: ScannedPlugin): Promise<string | null> {
  const file = path.join(plugin.dir, 'static', 'index.html');
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? file : null;
}

/** Where GET /plugins/{id}/page takes the page from right now. */
export interface PageSource {
  /** A running ctx.page handler draws the page; it wins over the static file. */
  handler: boolean;
  /** static/index.html, served when no handler runs. */
  staticFile: string | null;
  /** Why /page answers 404; undefined when it serves a page. */
  unavailable?: string;
}

/**
 * The one rule for a plugin's own page: ui.yaml `has_page: true`, and a running ctx.page handler
 * or a static/index.html. The /page route serves by it and the details' `page_available` is read
 * from it, so the UI never offers a link that answers 404.
 */
export async function pageSourceOf(plugin: ScannedPlugin, handlerRunning: boolean): Promise<PageSource> {
  if (plugin.ui.has_page !== true) {
    return { handler: false, staticFile: null, unavailable: `Plugin '${plugin.id}' has no page (ui.yaml has_page is not true)` };
  }
  const staticFile = await staticPagePath(plugin);
  if (handlerRunning || staticFile) return { handler: handlerRunning, staticFile };
  return { handler: false, staticFile: null, unavailable: `Plugin '${plugin.id}' serves its page from its code; load the plugin first` };
}

/**
 * The page with the bridge client (`window.oko`, see @oko/shared bridge-client.ts) as its first
 * script, so the page's own scripts find it defined: right after <head>, else after <html> or the
 * doctype, else at the start.
 */
export function withBridgeClient(html: string, context: BridgeClientContext): string {
  const tag = `<script data-oko-bridge>${bridgeClientScript(context)}</script>`;
  for (const pattern of [/<head(\s[^>]*)?>/i, /<html(\s[^>]*)?>/i, /<!doctype[^>]*>/i]) {
    const match = pattern.exec(html);
    if (match) return html.slice(0, match.index + match[0].length) + tag + html.slice(match.index + match[0].length);
  }
  return tag + html;
}

/** static/index.html as text, to be served with the bridge client in it. */
export async function readStaticPage(file: string): Promise<string> {
  const text = await readOptional(file, MAX_STATIC_PAGE_BYTES).catch((error: Error) => {
    throw createError('PAYLOAD_TOO_LARGE', `static/index.html is ${error.message}`);
  });
  if (text === null) throw createError('NOT_FOUND', 'static/index.html is gone');
  return text;
}

/** Whether a page answer is HTML, and so gets the bridge client. */
export function isHtml(contentType: string | undefined): boolean {
  return contentType === undefined || /^\s*text\/html\b/i.test(contentType);
}
