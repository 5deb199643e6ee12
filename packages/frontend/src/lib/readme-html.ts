import createDOMPurify from 'dompurify';
import MarkdownIt, { type Env } from 'markdown-it';
import { README_ASSET_TYPES } from '@oko/shared';
import { linkKind, packagePath } from './readme-links.js';

// A package's README.md as HTML for the store details page. The README is untrusted (anyone who
// can publish wrote it), so two layers stand between it and the page: markdown-it with raw HTML off
// and a strict link check, then DOMPurify with a short allow-list, as a second opinion on
// markdown-it's output. Only http(s), mailto and in-page (#) links stay links; images load only
// from the package itself (the backend's README asset route), never from another site: a remote
// image would tell its host who opened this page and when.

export interface RenderedReadme {
  html: string;
  /** Remote images shown as links instead (the page says why when there are any). */
  remoteImages: number;
}

interface RenderEnv extends Env {
  assetBase: string;
  remoteImages: number;
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
// A refused link stays as its text: `[x](javascript:…)` is shown as written and cannot be clicked.
md.validateLink = (url) => linkKind(url) !== 'refused';

// The page has its own h1: the README's headings sit one level under it.
md.core.ruler.push('demote_headings', (state) => {
  for (const token of state.tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close') {
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
    }
  }
});

md.renderer.rules.image = (tokens, index, _options, renderEnv) => {
  const env = renderEnv as unknown as RenderEnv;
  const token = tokens[index]!;
  const src = String(token.attrGet('src') ?? '');
  const alt = md.utils.escapeHtml(token.content || 'image');
  const kind = linkKind(src);
  if (kind === 'remote') {
    env.remoteImages += 1;
    // Protocol-relative (//host/x.png) becomes https: the only other scheme the sanitizer keeps.
    const href = md.utils.escapeHtml(src.startsWith('//') ? `https:${src}` : src);
    return `<a class="remote-image" href="${href}">Remote image (not loaded): ${alt}</a>`;
  }
  const path = kind === 'relative' ? packagePath(src) : null;
  const extension = path?.split('.').pop()?.toLowerCase() ?? '';
  if (!path || !README_ASSET_TYPES[extension]) return `<span class="missing-image">[${alt}]</span>`;
  const title = token.attrGet('title');
  const titled = title === null || title === '' ? '' : ` title="${md.utils.escapeHtml(String(title))}"`;
  const url = env.assetBase + path.split('/').map(encodeURIComponent).join('/');
  return `<img src="${md.utils.escapeHtml(url)}" alt="${alt}"${titled} loading="lazy">`;
};

const ALLOWED_TAGS = [
  ...['p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'em', 'strong', 's', 'span'],
  ...['ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
];
const ALLOWED_ATTR = ['href', 'src', 'alt', 'title', 'start', 'style', 'class', 'loading'];
/** markdown-it's table alignment is the only style kept: no url(), no positioning, nothing else. */
const TABLE_ALIGN = /^text-align:\s*(left|right|center);?$/;

const purify = createDOMPurify(window);
let allowedImagePrefix = '';
purify.addHook('afterSanitizeAttributes', (node) => {
  const element = node as Element;
  if (element.hasAttribute('style') && !TABLE_ALIGN.test(element.getAttribute('style') ?? '')) element.removeAttribute('style');
  if (element.tagName === 'IMG' && !(element.getAttribute('src') ?? '').startsWith(allowedImagePrefix)) element.remove();
  if (element.tagName !== 'A') return;
  const href = element.getAttribute('href') ?? '';
  const kind = linkKind(href);
  if (kind === 'refused' || kind === 'relative') {
    // A path inside the package has no page of its own here: its text stays, not a dead link.
    element.removeAttribute('href');
    return;
  }
  if (kind !== 'anchor') {
    element.setAttribute('target', '_blank');
    element.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/**
 * The README as sanitized HTML. `assetBase` is where the package's images are served, ending in a
 * slash (`/api/v1/store/{id}/assets/`): relative image paths resolve under it and nowhere else.
 */
export function renderReadme(markdown: string, assetBase: string): RenderedReadme {
  const env: RenderEnv = { assetBase, remoteImages: 0 };
  const raw = md.render(markdown, env);
  allowedImagePrefix = assetBase;
  const html = purify.sanitize(raw, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:\/\/|mailto:|#|\/api\/v1\/store\/)/i,
    FORBID_TAGS: ['script', 'iframe', 'object', 'embed', 'form', 'style', 'svg', 'math', 'base', 'link', 'meta'],
  });
  return { html, remoteImages: env.remoteImages };
}
