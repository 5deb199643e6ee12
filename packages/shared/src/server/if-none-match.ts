/**
 * Whether a request's If-None-Match names `etag` (or is `*`), by the weak comparison RFC 9110
 * asks of If-None-Match: `W/"x"` and `"x"` match. The header may list several tags.
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}
