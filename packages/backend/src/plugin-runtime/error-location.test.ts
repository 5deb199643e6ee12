import { describe, expect, it } from 'vitest';
import { locationOf } from './error-location.js';

const roots = ['file:///srv/dev/my_plugin/', 'file:///real/dev/my_plugin/'];
const errorWith = (stack: string) => Object.assign(new Error('boom'), { stack });

describe("where a plugin's setup error comes from", () => {
  it("names the first frame inside the plugin's folder, relative to it", () => {
    const stack = [
      'Error: boom',
      '    at helper (file:///srv/dev/my_plugin/lib/util.js:7:11)',
      '    at setup (file:///srv/dev/my_plugin/index.js:3:5)',
    ].join('\n');
    expect(locationOf(errorWith(stack), roots)).toBe('lib/util.js:7:11');
  });

  it("skips the runtime's and a dependency's frames, and reads the real path too", () => {
    const stack = [
      'Error: boom',
      '    at file:///opt/oko/plugin-runtime/context.js:9:1',
      '    at dep (file:///real/dev/my_plugin/node_modules/dep/index.js:1:1)',
      '    at setup (file:///real/dev/my_plugin/src/main%20file.js:12:3)',
    ].join('\n');
    expect(locationOf(errorWith(stack), roots)).toBe('src/main file.js:12:3');
  });

  it('reads the file:line a syntax error starts with, and gives nothing for an error from elsewhere', () => {
    expect(locationOf(errorWith('file:///srv/dev/my_plugin/index.js:4\n  const = ;\n\nSyntaxError: x'), roots)).toBe('index.js:4');
    expect(locationOf(errorWith('Error: boom\n    at node:internal/x:1:1'), roots)).toBeUndefined();
    expect(locationOf('a string', roots)).toBeUndefined();
  });
});
