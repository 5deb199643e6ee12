import { describe, expect, it } from 'vitest';
import { logLine, printable, statusLines } from './dev-output.js';

describe('what dev prints', () => {
  it("shows a plugin's terminal control sequences as text instead of sending them to the terminal", () => {
    const line = logLine({ level: 'info', message: 'x\x1b[2J\x1b]0;pwned\x07\x9b31m', at: '2026-11-30T08:00:00.000Z' });
    expect(line).toMatch(/info {2}x\\x1b\[2J\\x1b\]0;pwned\\x07\\x9b31m$/);
    const control = [...line].filter((char) => char.charCodeAt(0) < 0x20 || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f));
    expect(control).toEqual([]);
  });

  it('keeps the newlines and tabs of a stack', () => {
    expect(printable('setup failed\n\tat index.js:3:1')).toBe('setup failed\n\tat index.js:3:1');
  });

  it('says the state, the reload time and a failure reason indented under it', () => {
    const at = '2026-11-30T08:00:00.000Z';
    const status = { name: 'p', version: '1.0.0', state: 'error' as const, generation: 2, lease_expires_at: at, reload_ms: 90 };
    expect(statusLines({ ...status, error: { reason: 'setup failed: boom (at index.js:3:9)', at } }, false)).toEqual([
      '● p 1.0.0 error (reloaded in 90 ms)',
      '    setup failed: boom (at index.js:3:9)',
    ]);
  });
});
