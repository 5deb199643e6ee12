import { describe, expect, it } from 'vitest';
import { formatIssues, parsePluginManifest, pluginDisplayName } from './index.js';

const manifest = (display_name: string) => JSON.stringify({ name: 'spoofy', version: '1.0.0', display_name });

describe('display_name in manifest.json', () => {
  it.each([
    ['a right-to-left override', 'Notes\u202Etxt.exe'],
    ['a bidi isolate', '\u2067Backup'],
    ['a right-to-left mark', 'Backup\u200F'],
    ['a control character', 'Beep\u0007'],
    ['a C1 control', 'Next\u0085line'],
    ['a newline', 'Two\nlines'],
    ['a line separator', 'Two\u2028lines'],
    ['a zero-width space', 'Ad\u200Bmin'],
    ['a BOM', '\uFEFFNotes'],
    ['only invisible characters', '\u200D'.repeat(100)],
    ['only spaces', '   '],
  ])('refuses %s', (_what, name) => {
    const result = parsePluginManifest(manifest(name));
    expect(result.ok).toBe(false);
    expect(formatIssues(result.issues)).toContain('manifest.json: display_name:');
  });

  it.each(['HTTP Probe', 'Заметки', 'ملاحظات', '笔记', 'Team 👩\u200D💻 tools', 'می\u200Cخواهم', '★'])('accepts %j', (name) => {
    expect(parsePluginManifest(manifest(name)).ok).toBe(true);
  });
});

describe('pluginDisplayName', () => {
  it('drops what a display name may not hold from names stored before the check, and falls back when nothing visible is left', () => {
    expect(pluginDisplayName({ name: 'x_plugin', manifest: { display_name: '\u202EevilNotes\u0007 ' } })).toBe('evilNotes');
    expect(pluginDisplayName({ name: 'x_plugin', manifest: { display_name: '\u200B'.repeat(100) }, ui: { page_title: 'Page' } })).toBe(
      'Page',
    );
    expect(pluginDisplayName({ name: 'x_plugin', ui: { page_title: '\u2066\u2069' } })).toBe('x_plugin');
  });
});
