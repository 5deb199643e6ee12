import { describe, expect, it } from 'vitest';
import { BoundedLru } from './bounded-lru.js';

const lru = (maxEntries: number, maxBytes = 1000) => new BoundedLru<string, string>(maxEntries, maxBytes, (value) => value.length);

describe('BoundedLru', () => {
  it('drops the least recently used key past its entry bound', () => {
    const cache = lru(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A');
    cache.set('c', 'C');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    expect(cache.size).toBe(2);
  });

  it('keeps the order right when the most recent key is hit again, deleted or evicted', () => {
    const cache = lru(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('b')).toBe('B');
    expect(cache.get('b')).toBe('B');
    cache.set('c', 'C'); // a is still the least recently used
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B'); // b is now the most recent, c the oldest
    cache.delete('b');
    cache.set('d', 'D');
    expect(cache.get('c')).toBe('C'); // moved after d even though the last key moved (b) is gone
    cache.set('e', 'E');
    expect(cache.get('d')).toBeUndefined();
    expect(cache.get('c')).toBe('C');
    const none = lru(0);
    none.set('x', 'X');
    expect(none.get('x')).toBeUndefined();
    none.set('y', 'Y');
    expect(none.size).toBe(0);
  });

  it('drops the oldest entries until the bytes fit again', () => {
    const cache = lru(10, 10);
    cache.set('a', 'xxxx');
    cache.set('b', 'xxxx');
    cache.set('c', 'xxxx');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.heldBytes).toBe(8);
  });

  it('keeps no value larger than the whole byte bound, and forgets the older value of that key', () => {
    const cache = lru(10, 4);
    cache.set('a', 'xx');
    cache.set('a', 'xxxxxx');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.heldBytes).toBe(0);
  });

  it('counts a replaced value once', () => {
    const cache = lru(10, 100);
    cache.set('a', 'xxx');
    cache.set('a', 'xxxxx');
    expect(cache.heldBytes).toBe(5);
    cache.delete('a');
    expect(cache.heldBytes).toBe(0);
  });
});
