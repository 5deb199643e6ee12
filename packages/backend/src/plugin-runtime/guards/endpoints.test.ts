import { describe, expect, it } from 'vitest';
import { canonicalName, parseIp } from './addresses.js';
import { compileEndpoints } from './endpoints.js';
import { normalizeAbsolute } from './socket-paths.js';

// The pure parts of the guards; what they do inside a plugin's process is tested in test/guards.test.ts.

const ip = (text: string) => parseIp(text)!;

describe('parseIp', () => {
  it('accepts only what inet_pton reads the same way, and gives one canonical key per address', () => {
    expect(parseIp('127.0.0.1')).toEqual({ family: 4, wire: '127.0.0.1', key: '127.0.0.1' });
    expect(parseIp('::ffff:127.0.0.1')).toEqual({ family: 6, wire: '0:0:0:0:0:ffff:7f00:1', key: '127.0.0.1' });
    expect(parseIp('::1')?.key).toBe('0:0:0:0:0:0:0:1');
    expect(parseIp('fe80::1%eth0')?.wire).toBe('fe80:0:0:0:0:0:0:1%eth0');
    for (const bad of [
      '127.0.0.01',
      '127.1',
      '0x7f.0.0.1',
      '256.0.0.1',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '::1%',
      '::1%a b',
      'localhost',
      '',
    ]) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });
});

describe('canonicalName', () => {
  it('gives plain ASCII host names in lower case and nothing else', () => {
    expect(canonicalName('API.Example.COM.')).toBe('api.example.com');
    expect(canonicalName('my_service.local')).toBe('my_service.local');
    for (const bad of ['evil.com\0.example.com', 'a..b', '.a', 'exämple.com', 'a b', 'a/b', '', '.', 'x'.repeat(64) + '.com']) {
      expect(canonicalName(bad), bad).toBeNull();
    }
  });
});

describe('compileEndpoints', () => {
  const denied = [{ address: 'local', port: 8000 }];

  it('lets denied endpoints win over every pattern, by any spelling of this machine', () => {
    const endpoints = compileEndpoints({ network: ['*'], listen: false, socketDirs: [], denied }, ['10.1.2.3']);
    for (const address of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1', '10.1.2.3']) {
      expect(endpoints.connect(ip(address), 8000, null), address).toMatch(/backend's or the store's own port/);
    }
    expect(endpoints.connect(ip('10.1.2.4'), 8000, null)).toBeNull();
    expect(endpoints.isDeniedPort(8000)).toBe(true);
  });

  it('matches IP patterns by address and name patterns only by names the guards resolved', () => {
    const endpoints = compileEndpoints(
      { network: ['10.0.0.5:443', '*.example.com:443', 'localhost:*', '[::1]:9000'], listen: false, socketDirs: [], denied },
      [],
    );
    expect(endpoints.connect(ip('10.0.0.5'), 443, null)).toBeNull();
    expect(endpoints.connect(ip('10.0.0.5'), 444, null)).toMatch(/not granted \(declare it/);
    expect(endpoints.connect(ip('93.184.216.34'), 443, ['api.example.com'])).toBeNull();
    expect(endpoints.connect(ip('93.184.216.34'), 443, ['example.com'])).not.toBeNull();
    expect(endpoints.connect(ip('93.184.216.34'), 443, null)).not.toBeNull(); // an IP literal
    // a declared domain pointed at this machine (DNS rebinding) does not reach it
    expect(endpoints.connect(ip('127.0.0.1'), 443, ['evil.example.com'])).toMatch(/resolves to an address of this machine/);
    expect(endpoints.connect(ip('127.0.0.1'), 5432, ['localhost'])).toBeNull();
    expect(endpoints.connect(ip('10.9.9.9'), 5432, ['localhost'])).not.toBeNull(); // localhost is never elsewhere
    expect(endpoints.connect(ip('127.0.0.1'), 8000, ['localhost'])).toMatch(/own port/);
    expect(endpoints.connect(ip('::1'), 9000, null)).toBeNull();
  });

  it('refuses a policy it cannot read instead of guessing', () => {
    expect(() => compileEndpoints({ network: ['exa*mple.com:80'], listen: false, socketDirs: [], denied: [] }, [])).toThrow(
      /invalid network pattern/,
    );
    expect(() => compileEndpoints({ network: [], listen: false, socketDirs: [], denied: [{ address: 'nowhere', port: 1 }] }, [])).toThrow(
      /invalid denied/,
    );
  });
});

describe('normalizeAbsolute', () => {
  it('resolves dot segments without process.cwd and refuses NUL and relative paths', () => {
    expect(normalizeAbsolute('/a/b/../c/./d//e')).toBe('/a/c/d/e');
    expect(normalizeAbsolute('/a/../../etc')).toBe('/etc');
    expect(normalizeAbsolute('relative/sock')).toBeNull();
    expect(normalizeAbsolute('/a/\0abstract')).toBeNull();
  });
});
