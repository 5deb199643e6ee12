import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { checkSchema } from './validation.js';

describe('checkSchema', () => {
  const schema = Type.Object({
    layout: Type.Enum(['a', 'b']),
    source: Type.Union([Type.Literal('http'), Type.Literal('action')]),
    nested: Type.Object({ count: Type.Integer() }),
  });

  it('reads a value outside a list of words as one problem naming the allowed words', () => {
    const issues = checkSchema(schema, { layout: 'x', source: 'ftp', nested: { count: 1 } }, 'f.yaml');
    expect(issues).toEqual([
      { file: 'f.yaml', path: 'layout', message: 'must be one of a, b' },
      { file: 'f.yaml', path: 'source', message: 'must be one of http, action' },
    ]);
  });

  it('names nested and missing fields by their dotted path', () => {
    const issues = checkSchema(schema, { layout: 'a', source: 'http', nested: {} }, 'f.yaml');
    expect(issues).toEqual([{ file: 'f.yaml', path: 'nested.count', message: 'is required' }]);
  });
});
