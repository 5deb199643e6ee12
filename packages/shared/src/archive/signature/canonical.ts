import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) text of a JSON value: keys sorted by UTF-16 code units, no whitespace, ECMAScript
 * number form. The signed bytes are its UTF-8. Throws on what JSON cannot hold (undefined at the
 * top, NaN, lone surrogates) instead of signing something a verifier would read differently.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}
