import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { assertPublicLiteral, isPublicAddress, PrivateAddressError, publicOnlyLookup } from './address-guard.js';

describe('which addresses are public', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.8',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    'fd12:3456::1',
    'fe80::1',
    '2002:7f00:1::1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['140.82.121.6', '8.8.8.8', '172.32.0.1', '2606:4700::6810:84e5', '::ffff:140.82.121.6'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('checks IP literals of URLs, brackets included, and leaves names to the lookup', () => {
    expect(() => assertPublicLiteral('127.0.0.1')).toThrow(PrivateAddressError);
    expect(() => assertPublicLiteral(new URL('http://[::ffff:127.0.0.1]/').hostname)).toThrow(PrivateAddressError);
    expect(() => assertPublicLiteral(new URL('http://2130706433/').hostname)).toThrow(PrivateAddressError);
    expect(() => assertPublicLiteral('140.82.121.6')).not.toThrow();
    expect(() => assertPublicLiteral('localhost')).not.toThrow();
  });
});

/** A resolver that answers each call with the next of `answers`, as a rebinding DNS server would. */
function rebindingResolver(...answers: LookupAddress[][]) {
  let call = 0;
  return (_host: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) =>
    callback(null, answers[Math.min(call++, answers.length - 1)] ?? []);
}

function lookupOnce(lookup: ReturnType<typeof publicOnlyLookup>, all: boolean, host = 'api.example.test'): Promise<unknown> {
  return new Promise((resolve, reject) =>
    lookup(host, { all }, (error, address, family) => (error ? reject(error) : resolve(all ? address : { address, family }))),
  );
}

describe('the connection lookup', () => {
  it('refuses a name whose answer holds any non-public address, naming both', async () => {
    const lookup = publicOnlyLookup(
      rebindingResolver([
        { address: '140.82.121.6', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ]),
    );
    await expect(lookupOnce(lookup, true)).rejects.toThrow('api.example.test resolves to 10.0.0.5, not a public address');
  });

  it('checks every resolution, so a public first answer does not let a later private one through', async () => {
    const lookup = publicOnlyLookup(rebindingResolver([{ address: '140.82.121.6', family: 4 }], [{ address: '127.0.0.1', family: 4 }]));
    await expect(lookupOnce(lookup, false)).resolves.toEqual({ address: '140.82.121.6', family: 4 });
    await expect(lookupOnce(lookup, false)).rejects.toBeInstanceOf(PrivateAddressError);
  });

  it('refuses localhost from the system resolver', async () => {
    await expect(lookupOnce(publicOnlyLookup(), true, 'localhost').catch((e: unknown) => e)).resolves.toBeInstanceOf(PrivateAddressError);
  });
});
