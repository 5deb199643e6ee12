/**
 * What a link or image address in an untrusted README is: `remote` (http, https or protocol-relative),
 * `mail`, `anchor` (#…, this page), `relative` (a path inside the package), or `refused` (any other
 * scheme: javascript:, data:, vbscript:, file:, …). Browsers ignore tabs, newlines and leading
 * control characters in a URL (`java\tscript:` runs), so those are stripped before the scheme is read.
 */
export type LinkKind = 'remote' | 'mail' | 'anchor' | 'relative' | 'refused';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

export function linkKind(raw: string): LinkKind {
  // eslint-disable-next-line no-control-regex
  const url = raw.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (url === '') return 'refused';
  if (url.startsWith('//') || url.startsWith('\\\\') || url.startsWith('/\\') || url.startsWith('\\/')) return 'remote';
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return 'remote';
  if (scheme === 'mailto') return 'mail';
  if (scheme !== undefined) return 'refused';
  // A colon before any slash would read as a scheme once percent-decoding or a base URL is applied.
  if (/^[^/?#]*:/.test(url) || /^[^/?#]*%3a/i.test(url)) return 'refused';
  if (url.startsWith('#')) return 'anchor';
  return 'relative';
}

/**
 * A relative README path as a path inside the package (`./img/a.png` → `img/a.png`), or null when
 * it leaves the package root (`../x`, `/etc/x`) or names nothing. The query and fragment are dropped.
 */
export function packagePath(relative: string): string | null {
  let path = relative.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return null;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return parts.length > 0 ? parts.join('/') : null;
}
