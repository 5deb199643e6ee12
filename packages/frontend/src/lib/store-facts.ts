import { engineProblem, pluginIcon, type CatalogEntry } from '@oko/shared';

// What the store side says about a catalog entry, in the words and links its card and details
// page show. Entries from an older store lack display_name and icon: the one shared rule
// (pluginDisplayName) derives them from the manifest and ui.yaml when they are there.

type Named = Pick<CatalogEntry, 'name'> & Partial<Pick<CatalogEntry, 'display_name' | 'icon' | 'manifest' | 'ui'>>;

/** What people call the plugin (one rule with installed plugins); the name (its id) is secondary text. */
export { displayNameOf } from './plugin-words.js';

/** The plugin's icon name (ui.yaml page_icon), or the package for none. */
export function iconOf(entry: Named): string {
  return entry.icon || pluginIcon({ name: entry.name, ui: entry.ui }) || 'package';
}

/** The link to a GitHub source: an https URL on github.com only, with the branch when known; else null. */
export function githubSourceLink(sourceUrl: string | null | undefined, branch?: string): { href: string; label: string } | null {
  if (!sourceUrl) return null;
  let url: URL;
  try {
    url = new URL(sourceUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname !== 'github.com' || url.username || url.password || url.port) return null;
  const parts = url.pathname.split('/').filter(Boolean);
  const valid = /^[A-Za-z0-9_.-]+$/;
  if (parts.length < 2 || !parts.slice(0, 2).every((part) => valid.test(part))) return null;
  const [owner, repo] = [parts[0]!, parts[1]!.replace(/\.git$/, '')];
  const base = `https://github.com/${owner}/${repo}`;
  if (branch && /^[A-Za-z0-9_./-]{1,200}$/.test(branch) && !branch.includes('..')) {
    return { href: `${base}/tree/${branch.split('/').map(encodeURIComponent).join('/')}`, label: `${owner}/${repo} @ ${branch}` };
  }
  return { href: base, label: `${owner}/${repo}` };
}

/** Whether this dashboard can run the entry: null when it can, else why not (engines.oko against the API it offers). */
export function compatibilityProblem(entry: Partial<Pick<CatalogEntry, 'manifest'>>, apiVersion: string | null): string | null {
  const range = entry.manifest?.engines?.oko;
  if (typeof range !== 'string') return null;
  return apiVersion ? (engineProblem(range, apiVersion) ?? null) : null;
}

/** What the plugin adds to the dashboard: its page and the widgets (indicators) its ui.yaml lists. */
export function additionsOf(entry: Partial<Pick<CatalogEntry, 'ui' | 'name'>>): { page: string | null; widgets: string[] } {
  const ui = entry.ui;
  const page = ui?.has_page ? ui.page_title?.trim() || entry.name || 'A page' : null;
  const widgets = (ui?.widgets ?? []).map((widget) => widget.title?.trim() || widget.id);
  return { page, widgets };
}

/** How many dashboards installed it, in words for a card or the details page. */
export function installsLine(installs: { downloads: number; instances: number } | undefined): string {
  const n = installs?.instances ?? 0;
  if (n === 0) return 'No installs yet';
  return `Installed on ${n.toLocaleString('en')} ${n === 1 ? 'dashboard' : 'dashboards'}`;
}
