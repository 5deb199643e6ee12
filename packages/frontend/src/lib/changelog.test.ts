import { describe, expect, it } from 'vitest';
import { changelogBlocks } from './changelog.js';

describe('changelogBlocks', () => {
  it('splits headings, bullet lists and paragraphs, keeping the text as written', () => {
    const text = '### Added\n- Adds a <b>bar chart</b>\n- Faster\n  refresh\n\n### Fixed\n* A crash\n\nThanks to **all**.\nSee the docs.';
    expect(changelogBlocks(text)).toEqual([
      { kind: 'heading', text: 'Added' },
      { kind: 'list', items: ['Adds a <b>bar chart</b>', 'Faster refresh'] },
      { kind: 'heading', text: 'Fixed' },
      { kind: 'list', items: ['A crash'] },
      { kind: 'paragraph', text: 'Thanks to **all**.\nSee the docs.' },
    ]);
  });
  it('answers nothing for blank text', () => {
    expect(changelogBlocks('\n  \n')).toEqual([]);
  });
});
