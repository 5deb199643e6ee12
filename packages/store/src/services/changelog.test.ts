import { describe, expect, it } from 'vitest';
import { capSection, CHANGELOG_CUT_NOTE, CHANGELOG_MAX_BYTES, changelogSection, headingNamesVersion } from './changelog.js';

const keepAChangelog = `# Changelog

All notable changes.

## [Unreleased]
- nothing yet

## [1.2.0] - 2026-01-02
### Added
- the probe retries

### Fixed
- a typo

## [1.1.0] - 2025-12-01
- first public release

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
`;

describe('changelogSection', () => {
  it('takes a Keep a Changelog section with its sub-headings, up to the next heading of the same level', () => {
    expect(changelogSection(keepAChangelog, '1.2.0')).toBe('### Added\n- the probe retries\n\n### Fixed\n- a typo');
    expect(changelogSection(keepAChangelog, '1.1.0')).toBe(
      '- first public release\n\n[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0',
    );
  });

  it('accepts a bare version, a v prefix, other levels and a closing #', () => {
    expect(changelogSection('# 1.2.0\nbare\n# 1.1.0\nold', '1.2.0')).toBe('bare');
    expect(changelogSection('## v1.2.0\nprefixed\n## v1.1.0', '1.2.0')).toBe('prefixed');
    expect(changelogSection('### Version 1.2.0 (2026-01-02) ###\nlevel three\n## 1.1.0', '1.2.0')).toBe('level three');
    expect(changelogSection('#### 1.2.0\ntoo deep', '1.2.0')).toBeNull();
  });

  it('ends at a higher-level heading, not at a lower one', () => {
    expect(changelogSection('# Project\n### 1.2.0\nA\n#### Details\nB\n## Older\nC', '1.2.0')).toBe('A\n#### Details\nB');
  });

  it('never takes a prerelease, a longer version or a link target for the release', () => {
    const text = '## 1.0.0-beta.1\nbeta\n## 11.0.0\neleven\n## [0.9.0](https://x/compare/v1.0.0...v0.9.0)\nold\n';
    expect(changelogSection(text, '1.0.0')).toBeNull();
    expect(changelogSection(text, '1.0.0-beta.1')).toBe('beta');
    expect(changelogSection('## 1.0.0-beta.10\nten', '1.0.0-beta.1')).toBeNull();
    expect(changelogSection(text, '0.9.0')).toBe('old');
    expect(headingNamesVersion('[1.0.0+build.5]', '1.0.0')).toBe(false);
  });

  it('reads CRLF and CR line ends and a byte-order mark', () => {
    const crlf = '\uFEFF## 1.2.0\r\n- one\r\n- two\r\n## 1.1.0\r\n- old\r\n';
    expect(changelogSection(crlf, '1.2.0')).toBe('- one\n- two');
    expect(changelogSection('## 1.2.0\r- cr\r## 1.1.0', '1.2.0')).toBe('- cr');
  });

  it('does not end a section at a # comment inside a fenced code block', () => {
    const text = '## 1.2.0\nRun:\n```sh\n# restart the store\nnpm start\n```\nDone.\n## 1.1.0\nold';
    expect(changelogSection(text, '1.2.0')).toBe('Run:\n```sh\n# restart the store\nnpm start\n```\nDone.');
  });

  it('is null without a matching heading, or when the section is empty', () => {
    expect(changelogSection('', '1.0.0')).toBeNull();
    expect(changelogSection('just text mentioning 1.0.0', '1.0.0')).toBeNull();
    expect(changelogSection('## 1.0.0\n\n   \n## 0.9.0\nx', '1.0.0')).toBeNull();
  });

  it('cuts a huge section on a line boundary at 16 KiB, with a note', () => {
    const line = '- a change that is described at some length, over and over again';
    const sections = Array.from({ length: 20_000 }, (_, i) => `## 0.${i}.0\n- old ${i}`).join('\n');
    const huge = `## 2.0.0\n${Array.from({ length: 5_000 }, () => line).join('\n')}\n${sections}`;
    const section = changelogSection(huge, '2.0.0') ?? '';
    expect(Buffer.byteLength(section, 'utf8')).toBeLessThanOrEqual(CHANGELOG_MAX_BYTES);
    expect(section.endsWith(CHANGELOG_CUT_NOTE)).toBe(true);
    expect(
      section
        .slice(0, -CHANGELOG_CUT_NOTE.length)
        .split('\n')
        .every((l) => l === line),
    ).toBe(true);
    expect(changelogSection(huge, '0.19999.0')).toBe('- old 19999');
  });

  it('reads pathological heading lines in linear time (a regex over them backtracked quadratically)', () => {
    // 1 MiB lines of blanks and link openers: quadratic matching takes hours on these, the test times out.
    const blanks = `## 1.0.0${' \t'.repeat(512 * 1024)}x`;
    const links = `## ${'](v1.0.0 '.repeat(128 * 1024)}`;
    const closing = `## 1.0.0 ${' '.repeat(1024 * 1024)}##`;
    expect(changelogSection(`${blanks}\n- body`, '1.0.0')).toBe('- body');
    expect(changelogSection(`${links}\n- links`, '1.0.0')).toBe('- links');
    expect(changelogSection(`${closing}\n- closed\n## 0.9.0`, '1.0.0')).toBe('- closed');
    expect(changelogSection(`## C# 1.0.0\n- sharp`, '1.0.0')).toBe('- sharp');
    expect(changelogSection(`##1.0.0\nnot a heading\n## 1.0.0\n- real`, '1.0.0')).toBe('- real');
    expect(changelogSection(`####### 1.0.0\n- seven\n## 1.0.0 #\n- closed`, '1.0.0')).toBe('- closed');
  });

  it('cuts one over-long line between code points', () => {
    const cut = capSection('é'.repeat(20_000), 101, '|');
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(101);
    expect(cut).toBe(`${'é'.repeat(50)}|`);
  });
});
