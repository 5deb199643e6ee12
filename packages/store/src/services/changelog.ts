/**
 * One version's section of a package's CHANGELOG.md (README, Version history in the store). Pure:
 * the publisher reads the file once and stores the section in the catalog record.
 */

/** A section longer than this (UTF-8 bytes) is cut on a line boundary, with a note saying so. */
export const CHANGELOG_MAX_BYTES = 16 * 1024;

export const CHANGELOG_CUT_NOTE = `\n\n… (cut: this section is longer than ${CHANGELOG_MAX_BYTES / 1024} KiB; the package's CHANGELOG.md has all of it)`;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const blank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * An ATX heading (`#` to `######`, up to three spaces of indent, optional closing `#`s): its level
 * and text. Scanned by hand: the package's CHANGELOG.md is untrusted, and a regex with an optional
 * closing sequence backtracks quadratically over a long line of blanks (hours for a 1 MiB line).
 */
function parseHeading(line: string): { depth: number; text: string } | null {
  let at = 0;
  while (at < 3 && line[at] === ' ') at++;
  let depth = 0;
  while (line[at + depth] === '#') depth++;
  if (depth < 1 || depth > 6) return null;
  let start = at + depth;
  if (start < line.length && !blank(line[start])) return null;
  let end = line.length;
  while (start < end && blank(line[start])) start++;
  while (end > start && blank(line[end - 1])) end--;
  let hashes = end;
  while (hashes > start && line[hashes - 1] === '#') hashes--;
  // A closing sequence stands alone: after a blank, or as the whole text (`C#` keeps its `#`).
  if (hashes === start || blank(line[hashes - 1])) {
    end = hashes;
    while (end > start && blank(line[end - 1])) end--;
  }
  return { depth, text: line.slice(start, end) };
}

/** `[x](target)` becomes `[x]`, scanning once (a regex restarting at every `](` is quadratic). */
function withoutLinkTargets(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('](', from);
    const close = open < 0 ? -1 : text.indexOf(')', open + 2);
    if (close < 0) return out + text.slice(from);
    out += text.slice(from, open + 1);
    from = close + 1;
  }
}

/**
 * Whether a heading's text names `version`: the version as a whole token, optionally after a `v`.
 * A character that could continue a version (letter, digit, `.`, `-`, `+`) may not touch it on
 * either side, so `1.0.0-beta.1` never names 1.0.0 and `11.2.0` never names 1.2.0. Link targets
 * (`[1.2.0](…/compare/v1.1.0...v1.2.0)`) are left out: they name other versions too.
 */
export function headingNamesVersion(text: string, version: string): boolean {
  const label = withoutLinkTargets(text);
  return new RegExp(`(?:^|[^0-9A-Za-z.+-])[vV]?${escapeRegExp(version)}(?![0-9A-Za-z.+-])`).test(label);
}

/**
 * The body under the first heading (levels 1 to 3) that names `version`, up to the next heading of
 * the same or a higher level, trimmed; null when no heading names it or its body is empty. Lines
 * inside fenced code blocks are never headings (a `# comment` in a shell example).
 */
export function changelogSection(markdown: string, version: string): string | null {
  const lines = markdown.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let fence: string | null = null;
  let level = 0;
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const opener = FENCE.exec(line)?.[1];
    if (opener !== undefined) {
      if (fence === null) fence = opener;
      else if (opener[0] === fence[0] && opener.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const heading = parseHeading(line);
    if (!heading) continue;
    const { depth } = heading;
    if (start < 0) {
      if (depth <= 3 && headingNamesVersion(heading.text, version)) {
        level = depth;
        start = i + 1;
      }
    } else if (depth <= level) {
      end = i;
      break;
    }
  }
  if (start < 0) return null;
  const body = lines.slice(start, end).join('\n').trim();
  return body === '' ? null : capSection(body);
}

/** At most CHANGELOG_MAX_BYTES with the note: whole lines while they fit, else a prefix of the first line. */
export function capSection(body: string, maxBytes = CHANGELOG_MAX_BYTES, note = CHANGELOG_CUT_NOTE): string {
  if (Buffer.byteLength(body, 'utf8') <= maxBytes) return body;
  const room = maxBytes - Buffer.byteLength(note, 'utf8');
  const kept: string[] = [];
  let used = 0;
  for (const line of body.split('\n')) {
    const bytes = Buffer.byteLength(line, 'utf8') + (kept.length > 0 ? 1 : 0);
    if (used + bytes > room) break;
    kept.push(line);
    used += bytes;
  }
  if (kept.length === 0) {
    // One line longer than the limit: cut it between code points, never inside one.
    const bytes = Buffer.from(body, 'utf8');
    let end = Math.max(room, 0);
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    return bytes.subarray(0, end).toString('utf8').trimEnd() + note;
  }
  return kept.join('\n').trimEnd() + note;
}
