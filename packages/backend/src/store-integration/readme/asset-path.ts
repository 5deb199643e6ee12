import { README_ASSET_TYPES, readmeAssetType } from '@oko/shared';

/** Deeper than any README's images folder; the archive rules allow 32 segments in all. */
const MAX_SEGMENTS = 16;
const MAX_SEGMENT_LENGTH = 100;
/** Letters, digits and the few marks file names use; no `%`, `\`, `:`, control characters or spaces to misread. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._ +()-]*$/;

/** A README image the backend asks the store for: the path's segments and the type it is served as. */
export interface ReadmeAssetPath {
  segments: string[];
  contentType: string;
}

/**
 * Checks the `{*path}` of GET /store/{plugin_id}/assets/{*path} before the store is asked: a
 * relative path inside the package (no `..`, `.`, empty or absolute segment, no backslash, drive
 * letter or percent sign left after decoding), of at most MAX_SEGMENTS segments, naming an image
 * by its extension (README_ASSET_TYPES). The type comes from here, never from the store's answer.
 * Returns the reason it is refused, or the path.
 */
export function readmeAssetPath(raw: string): ReadmeAssetPath | string {
  if (raw.length === 0) return 'the path is empty';
  const segments = raw.split('/');
  if (segments.length > MAX_SEGMENTS) return `the path has more than ${MAX_SEGMENTS} segments`;
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') return 'the path must be relative, with no empty, . or .. segment';
    if (segment.length > MAX_SEGMENT_LENGTH) return `a path segment is longer than ${MAX_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(segment)) return `'${segment.slice(0, 40)}' is not a plain file or folder name`;
  }
  const last = segments[segments.length - 1]!;
  const contentType = readmeAssetType(last);
  if (!contentType) return `only images are served (${Object.keys(README_ASSET_TYPES).join(', ')}), not '${last.slice(0, 40)}'`;
  return { segments, contentType };
}
