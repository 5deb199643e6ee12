import { describe, expect, it } from 'vitest';
import { ifNoneMatch } from './if-none-match.js';

describe('ifNoneMatch', () => {
  it('matches the same tag, weak or strong, alone or in a list, and *', () => {
    expect(ifNoneMatch('"a"', '"a"')).toBe(true);
    expect(ifNoneMatch('W/"a"', '"a"')).toBe(true);
    expect(ifNoneMatch('"x", "a"', '"a"')).toBe(true);
    expect(ifNoneMatch('*', '"a"')).toBe(true);
  });

  it('does not match another tag, a missing header or a tag without its quotes', () => {
    expect(ifNoneMatch('"b"', '"a"')).toBe(false);
    expect(ifNoneMatch(undefined, '"a"')).toBe(false);
    expect(ifNoneMatch('a', '"a"')).toBe(false);
  });
});
