import { describe, expect, it } from 'vitest';
import { readmeAssetPath } from './asset-path.js';

describe('readmeAssetPath', () => {
  it('accepts a relative image path and takes the type from its extension', () => {
    expect(readmeAssetPath('docs/images/Screen Shot (1).PNG')).toEqual({
      segments: ['docs', 'images', 'Screen Shot (1).PNG'],
      contentType: 'image/png',
    });
    expect(readmeAssetPath('logo.svg')).toMatchObject({ contentType: 'image/svg+xml' });
    expect(readmeAssetPath('a/b.jpeg')).toMatchObject({ contentType: 'image/jpeg' });
  });

  it.each([
    ['../secret.png', 'relative'],
    ['docs/../../x.png', 'relative'],
    ['./x.png', 'relative'],
    ['/etc/x.png', 'relative'],
    ['docs//x.png', 'relative'],
    ['docs\\..\\x.png', 'plain file'],
    ['C:x.png', 'plain file'],
    ['%2e%2e/x.png', 'plain file'],
    ['x.png\u0000.txt', 'plain file'],
    ['.hidden.png', 'plain file'],
    ['', 'empty'],
  ])('refuses %j (%s)', (raw, reason) => {
    expect(readmeAssetPath(raw)).toEqual(expect.stringContaining(reason));
  });

  it('refuses what is not an image, whatever the store would call it', () => {
    for (const raw of ['index.js', 'page.html', 'x.svg.js', 'README.md', 'noextension', 'x.PNG.exe', 'x.toString', 'x.constructor'])
      expect(readmeAssetPath(raw)).toEqual(expect.stringContaining('only images'));
  });

  it('refuses paths deeper or longer than a README needs', () => {
    expect(readmeAssetPath(`${'a/'.repeat(16)}x.png`)).toEqual(expect.stringContaining('segments'));
    expect(readmeAssetPath(`${'a'.repeat(101)}.png`)).toEqual(expect.stringContaining('longer'));
  });
});
