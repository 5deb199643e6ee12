import { describe, expect, it } from 'vitest';
import { devPluginsRefusal } from './dev-access.js';

describe('whether development plugins are allowed', () => {
  it('follows OKO_DEV_PLUGINS when set, and otherwise allows loopback with sign-in off only', () => {
    expect(devPluginsRefusal(true, '0.0.0.0', true)).toBeNull();
    expect(devPluginsRefusal(false, '127.0.0.1', false)).toContain('OKO_DEV_PLUGINS=false');
    expect(devPluginsRefusal(undefined, '127.0.0.1', false)).toBeNull();
    expect(devPluginsRefusal(undefined, 'localhost', false)).toBeNull();
    expect(devPluginsRefusal(undefined, '::1', false)).toBeNull();
    expect(devPluginsRefusal(undefined, '127.0.0.1', true)).toContain('sign-in is on');
    expect(devPluginsRefusal(undefined, '0.0.0.0', false)).toContain('listens on 0.0.0.0, not loopback');
    expect(devPluginsRefusal(undefined, 'dashboard.lan', false)).toContain('OKO_DEV_PLUGINS=true');
  });
});
