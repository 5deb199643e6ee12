import { describe, expect, it } from 'vitest';
import { displayValue, valueAt } from './path-value.js';

describe('valueAt', () => {
  it('walks dotted paths through objects and arrays', () => {
    expect(valueAt({ data: { items: [{ n: 1 }] } }, 'data.items.0.n')).toBe(1);
    expect(valueAt([1, 2], undefined)).toEqual([1, 2]);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('never walks into the prototype', () => {
    expect(valueAt({}, '__proto__')).toBeUndefined();
    expect(valueAt({}, 'constructor.name')).toBeUndefined();
  });

  it('shows missing values as a dash', () => {
    expect(displayValue(undefined)).toBe('—');
    expect(displayValue(0)).toBe('0');
    expect(displayValue({ a: 1 })).toBe('{"a":1}');
  });
});
