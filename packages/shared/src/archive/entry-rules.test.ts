import { describe, expect, it } from 'vitest';
import { EntryNameRegistry, MAX_PATH_SEGMENTS, entryKind, entryNameProblem, resolveInside } from './entry-rules.js';

describe('archive entry names', () => {
  it.each([
    ['../evil.js', /escapes/],
    ['a/../../evil.js', /escapes/],
    ['/etc/passwd', /absolute/],
    ['a\\b.js', /backslash/],
    ['C:/x.js', /drive letter/],
    ['c:evil', /drive letter/],
    ['a\u0000b', /control character/],
    ['a//b', /empty/],
    ['./a', /"\."/],
    ['', /empty/],
  ])('refuses %j', (name, reason) => {
    expect(entryNameProblem(name)).toMatch(reason);
  });

  it.each(['manifest.json', 'static/', 'static/app.js', 'a/b/c.txt', 'ünïcode.txt', 'a..b'])('accepts %j', (name) => {
    expect(entryNameProblem(name)).toBeNull();
  });

  it(`accepts ${MAX_PATH_SEGMENTS} path segments and refuses more`, () => {
    const path = (segments: number) => Array.from({ length: segments }, (_, i) => `d${i}`).join('/');
    expect(entryNameProblem(path(MAX_PATH_SEGMENTS))).toBeNull();
    expect(entryNameProblem(`${path(MAX_PATH_SEGMENTS)}/`)).toBeNull();
    expect(entryNameProblem(path(MAX_PATH_SEGMENTS + 1))).toBe(`entry name has more than ${MAX_PATH_SEGMENTS} path segments`);
    expect(entryNameProblem(`${'a/'.repeat(480)}f.js`)).toMatch(/path segments/);
  });
});

describe('entry kinds', () => {
  it('tells files, folders and links apart by the unix mode', () => {
    expect(entryKind('a.js', (0o100644 << 16) >>> 0)).toBe('file');
    expect(entryKind('a/', 0)).toBe('directory');
    expect(entryKind('a', (0o40755 << 16) >>> 0)).toBe('directory');
    expect(entryKind('link', (0o120777 << 16) >>> 0)).toBe('symlink');
    expect(entryKind('fifo', (0o10644 << 16) >>> 0)).toBe('special');
    expect(entryKind('dos.txt', 0x20)).toBe('file');
  });
});

describe('duplicate names', () => {
  it('refuses exact and case-only duplicates', () => {
    const names = new EntryNameRegistry();
    expect(names.add('index.js', 'file')).toBeNull();
    expect(names.add('index.js', 'file')).toMatch(/duplicate/);
    expect(names.add('INDEX.js', 'file')).toMatch(/duplicate/);
  });
  it('refuses a file and a folder of the same name, in either order', () => {
    const a = new EntryNameRegistry();
    expect(a.add('static', 'file')).toBeNull();
    expect(a.add('static/app.js', 'file')).toMatch(/below a file/);
    const b = new EntryNameRegistry();
    expect(b.add('static/app.js', 'file')).toBeNull();
    expect(b.add('Static', 'file')).toMatch(/both a file and a folder/);
  });
  it('allows an explicit folder entry after files inside it', () => {
    const names = new EntryNameRegistry();
    expect(names.add('static/app.js', 'file')).toBeNull();
    expect(names.add('static/', 'directory')).toBeNull();
  });
});

describe('work per entry', () => {
  it('looks at each parent folder once, not every ancestor of every entry (5,000 files 480 folders deep)', () => {
    // The audit's slow archive: before, each entry walked all its ancestors, 5,000 x 480 lookups
    // (and as many joined prefixes); now each entry stops at the first folder already known.
    const names = new EntryNameRegistry();
    const deep = Array.from({ length: 480 }, (_, i) => `d${i}`).join('/');
    for (let i = 0; i < 5_000; i++) expect(names.add(`${deep}/f${i}.js`, 'file')).toBeNull();
    expect(names.parentLookups).toBeLessThanOrEqual(480 + 5_000);
  });

  it('still finds a file above a new entry when its folders are new', () => {
    const names = new EntryNameRegistry();
    expect(names.add('a/b', 'file')).toBeNull();
    expect(names.add('a/c/d.js', 'file')).toBeNull();
    expect(names.add('a/b/c/d.js', 'file')).toMatch(/below a file/);
  });
});

describe('resolveInside', () => {
  it('keeps paths inside the root and refuses escapes', () => {
    expect(resolveInside('/srv/root', 'a/b')).toBe('/srv/root/a/b');
    expect(() => resolveInside('/srv/root', '../rootx/a')).toThrow(/escapes/);
    expect(() => resolveInside('/srv/root', '/etc')).toThrow(/escapes/);
  });
});
