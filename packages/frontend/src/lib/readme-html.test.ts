// @vitest-environment jsdom
// DOMPurify reads nodeName through the DOM standard's own getters, which happy-dom does not provide, so
// this file runs in jsdom, a DOM closer to the browsers' (the Chromium test is the final word).
import { describe, expect, it } from 'vitest';
import { renderReadme } from './readme-html.js';
import { linkKind, packagePath } from './readme-links.js';

// The README sanitizer fed the attacks a hostile package can carry. The Chromium test
// (e2e/store-details.test.ts) checks that none of them runs in a real browser; these check the
// HTML itself, one attack at a time.

const BASE = '/api/v1/store/abc123def456/assets/';
const render = (markdown: string) => renderReadme(markdown, BASE);
const dom = (html: string) => {
  const box = document.createElement('div');
  box.innerHTML = html;
  return box;
};

describe('linkKind', () => {
  it('lets http(s), mailto, anchors and package paths through and refuses every other scheme', () => {
    expect(linkKind('https://example.com/x')).toBe('remote');
    expect(linkKind('//cdn.example.com/x.png')).toBe('remote');
    expect(linkKind('mailto:a@example.com')).toBe('mail');
    expect(linkKind('#install')).toBe('anchor');
    expect(linkKind('docs/setup.md')).toBe('relative');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', ' \u0001javascript:x', 'data:text/html,x']) {
      expect(linkKind(bad), bad).toBe('refused');
    }
    expect(linkKind('vbscript:msgbox(1)')).toBe('refused');
    expect(linkKind('data:image/png;base64,AAAA')).toBe('refused');
    expect(linkKind('file:///etc/passwd')).toBe('refused');
    expect(linkKind('javascript%3Aalert(1)')).toBe('refused');
  });
});

describe('packagePath', () => {
  it('keeps paths inside the package and refuses those that leave it', () => {
    expect(packagePath('./img/shot.png')).toBe('img/shot.png');
    expect(packagePath('img/a%20b.png?x=1#y')).toBe('img/a b.png');
    expect(packagePath('img/../shot.png')).toBeNull();
    expect(packagePath('../secret.png')).toBeNull();
    expect(packagePath('/etc/passwd')).toBeNull();
    expect(packagePath('%2e%2e/x.png')).toBeNull();
    expect(packagePath('img\\x.png')).toBeNull();
  });
});

describe('renderReadme', () => {
  it('renders markdown with headings one level under the page title', () => {
    const box = dom(render('# Title\n\nSome **bold** text.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n').html);
    expect(box.querySelector('h2')?.textContent).toBe('Title');
    expect(box.querySelector('h1')).toBeNull();
    expect(box.querySelector('strong')?.textContent).toBe('bold');
    expect(box.querySelector('td')?.getAttribute('style')).toBe('text-align:left');
  });

  it('shows raw HTML as text: script, iframe, inline svg with script, onerror, object, form, style', () => {
    const attacks = [
      '<script>window.pwned = 1</script>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg><script>window.pwned = 2</script></svg>',
      '<img src=x onerror="window.pwned = 3">',
      '<object data="x.swf"></object><embed src="x">',
      '<form action="https://evil.example"><input name=a></form>',
      '<div style="background:url(https://track.example/p.png)">x</div>',
    ].join('\n\n');
    const box = dom(render(attacks).html);
    for (const tag of ['script', 'iframe', 'svg', 'object', 'embed', 'form', 'input', 'div']) {
      expect(box.querySelector(tag), tag).toBeNull();
    }
    expect(box.querySelector('[onerror]')).toBeNull();
    expect(box.querySelector('[style]')).toBeNull();
    expect(box.textContent).toContain('<script>window.pwned = 1</script>');
  });

  it('leaves javascript:, vbscript: and data: links as text that cannot be clicked', () => {
    const box = dom(
      render('[a](javascript:window.pwned=4) [b](vbscript:x) [c](data:text/html;base64,PHNjcmlwdD4=) [d](JAVASCRIPT:x)').html,
    );
    expect(box.querySelectorAll('a')).toHaveLength(0);
    expect(box.textContent).toContain('[a](javascript:window.pwned=4)');
  });

  it('opens web links in a new tab without the opener or a referrer; mailto too; anchors stay on the page', () => {
    const box = dom(render('[site](https://example.com) <https://example.org> [mail](mailto:x@example.com) [top](#usage)').html);
    const links = [...box.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com',
      'https://example.org',
      'mailto:x@example.com',
      '#usage',
    ]);
    for (const a of links.slice(0, 3)) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    }
    expect(links[3]!.hasAttribute('target')).toBe(false);
  });

  it('keeps a link into the package as its text, not a dead link', () => {
    const box = dom(render('[setup](docs/setup.md)').html);
    expect(box.querySelector('a')?.hasAttribute('href')).toBe(false);
    expect(box.textContent).toContain('setup');
  });

  it('serves relative images from the package and never loads a remote or data: image', () => {
    const out = render(
      [
        '![shot](./img/shot.png "The page")',
        '![evil](evil.svg)',
        '![tracker](https://track.example/pixel.gif)',
        '![cdn](//cdn.example/x.png)',
        '![inline](data:image/png;base64,AAAA)',
        '![up](../outside.png)',
        '![text](notes.txt)',
      ].join('\n\n'),
    );
    const box = dom(out.html);
    const images = [...box.querySelectorAll('img')].map((img) => img.getAttribute('src'));
    expect(images).toEqual([`${BASE}img/shot.png`, `${BASE}evil.svg`]);
    expect(out.remoteImages).toBe(2);
    const remote = [...box.querySelectorAll('a.remote-image')];
    expect(remote.map((a) => a.getAttribute('href'))).toEqual(['https://track.example/pixel.gif', 'https://cdn.example/x.png']);
    expect(remote[0]!.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    // ../outside.png and notes.txt are named, not loaded; a data: image is refused as a link and stays text.
    expect(box.querySelectorAll('.missing-image')).toHaveLength(2);
    expect(box.textContent).toContain('![inline](data:image/png;base64,AAAA)');
  });

  it('escapes an alt text that tries to close the attribute', () => {
    const box = dom(render('![x" onerror="window.pwned=5](a.png)').html);
    expect(box.querySelector('img')?.getAttribute('onerror')).toBeNull();
    expect(box.querySelector('img')?.getAttribute('alt')).toBe('x" onerror="window.pwned=5');
  });
});
