import { describe, expect, it } from 'vitest';
import { permissionLines } from './permission-lines.js';

describe('permissionLines', () => {
  it('lists an install in plain words, none of it marked new', () => {
    expect(permissionLines({ network: ['api.github.com:443'], env: ['TOKEN'] }).lines).toEqual([
      { label: 'network api.github.com:443', text: 'Connect to api.github.com:443', added: false },
      { label: 'env TOKEN', text: 'Use the setting TOKEN', added: false },
    ]);
    expect(permissionLines(undefined)).toEqual({ lines: [], dropped: [] });
  });

  it('marks what an update adds and names what it drops', () => {
    const result = permissionLines({ network: ['a.com:443'], listen: true }, { network: ['a.com:443'], read: ['/proc'] });
    expect(result.lines.map((line) => [line.text, line.added])).toEqual([
      ['Connect to a.com:443', false],
      ['Listen on a port', true],
    ]);
    expect(result.dropped).toEqual(['Read /proc']);
  });
});
