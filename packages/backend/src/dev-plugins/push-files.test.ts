import { describe, expect, it } from 'vitest';
import { checkPush, isStrictBase64, pushPathProblem } from './push-files.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the paths a push may name', () => {
  it.each(['index.js', 'lib/util.js', '.eslintrc.json', 'assets/icon two.svg'])('accepts %j', (name) => {
    expect(pushPathProblem(name)).toBeNull();
  });
  it.each([
    ['../x', 'escapes'],
    ['a/../../x', 'escapes'],
    ['manifest.json/..', 'escapes'],
    ['/etc/passwd', 'absolute'],
    ['a\\b', 'backslash'],
    ['a\u0000b', 'control character'],
    ['C:x', 'drive letter'],
    ['./a', '"."'],
    ['a//b', 'empty'],
    ['', 'empty'],
    ['dir/', 'folder'],
  ])('refuses %j (%s)', (name, words) => {
    expect(pushPathProblem(name)).toContain(words);
  });
});

describe('checkPush', () => {
  it('decodes the files and keeps only the executable bit of a mode', () => {
    const checked = checkPush({
      files: [
        { path: 'run.sh', content_base64: b64('#!/bin/sh'), mode: 0o4777 & 0o777 },
        { path: 'index.js', content_base64: b64('x'), mode: 0o666 },
      ],
      removed: ['old.js'],
    });
    expect(checked.files.map((file) => [file.path, file.bytes.toString(), file.executable])).toEqual([
      ['run.sh', '#!/bin/sh', true],
      ['index.js', 'x', false],
    ]);
    expect(checked.removed).toEqual(['old.js']);
  });

  it('refuses a name given twice (case-insensitively) or both sent and removed', () => {
    expect(() =>
      checkPush({
        files: [
          { path: 'a.js', content_base64: '' },
          { path: 'A.JS', content_base64: '' },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => checkPush({ files: [{ path: 'a.js', content_base64: '' }], removed: ['a.js'] })).toThrow(/both sent and removed/);
  });

  // Applied in order, 'lib/a.js' then 'lib' would silently delete lib/a.js (the file replaces the
  // folder), while the other order is refused: one push is one tree, checked like an archive's.
  it('refuses a file and a folder of the same name in one push, in either order and in any case', () => {
    const files = (...paths: string[]) => ({ files: paths.map((path) => ({ path, content_base64: '' })) });
    expect(() => checkPush(files('lib/a.js', 'lib'))).toThrow(/both a file and a folder/);
    expect(() => checkPush(files('lib', 'lib/a.js'))).toThrow(/below a file/);
    expect(() => checkPush(files('Lib/a.js', 'lib'))).toThrow(/both a file and a folder/);
    expect(() => checkPush(files('lib/a.js', 'LIB/b.js'))).not.toThrow();
  });

  it('counts decoded bytes against the bound, before reading the text', () => {
    expect(() => checkPush({ files: [{ path: 'a', content_base64: b64('12345') }] }, 4)).toThrow(/more than 4 bytes/);
    expect(checkPush({ files: [{ path: 'a', content_base64: b64('1234') }] }, 4).files[0]!.bytes.length).toBe(4);
  });

  it('knows strict base64 from what Buffer.from would quietly skip', () => {
    expect(isStrictBase64(b64('hello!'))).toBe(true);
    expect(isStrictBase64('')).toBe(true);
    for (const bad of ['abc', 'ab=c', 'a b c d', 'ab==cd==', '****', 'YQ===']) expect(isStrictBase64(bad), bad).toBe(false);
  });
});
