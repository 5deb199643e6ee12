import { createError, type InstalledSignature, type OkoError, type SignaturePolicy } from '@oko/shared';

/**
 * Scopes that `require` lets through unsigned: builtin plugins ship with the backend itself;
 * development plugins (scope `dev`) exist only while development plugins are allowed, sent by an
 * admin. Both are still refused when `invalid` (a dev plugin is never `modified`: plugin-trust.ts).
 */
const EXEMPT_FROM_REQUIRE: ReadonlySet<string> = new Set(['builtin', 'dev']);

/** Why `signature` may not be installed or loaded under `policy`, or undefined when it may. */
export function refusalOf(id: string, signature: InstalledSignature, policy: SignaturePolicy, scope: string): OkoError | undefined {
  const { state, reason } = signature;
  if (state === 'invalid' || state === 'modified') {
    // Whatever the policy: a package that lies about its files or its signature never runs.
    return createError('INVALID_SIGNATURE', `Plugin '${id}' is ${state}: ${reason ?? state}`, { details: { state, reason } });
  }
  if (policy === 'require' && state !== 'valid' && !EXEMPT_FROM_REQUIRE.has(scope)) {
    const why = state === 'untrusted' ? `signed by key ${signature.key_id}, which this dashboard does not trust` : 'not signed';
    return createError(
      'SIGNATURE_REQUIRED',
      `Plugin '${id}' is ${state} (${why}); OKO_SIGNATURE_POLICY=require accepts only plugins signed by a trusted key`,
      { details: { state, key_id: signature.key_id } },
    );
  }
  return undefined;
}

/** The warning an install answer carries under `warn` for a plugin nobody vouches for. */
export function warningOf(signature: InstalledSignature, policy: SignaturePolicy): string | undefined {
  if (policy !== 'warn') return undefined;
  if (signature.state === 'unsigned') return 'This plugin is not signed: nothing says who made it.';
  if (signature.state === 'untrusted') {
    return `This plugin is signed by key ${signature.key_id} ("${signature.signer}", as the package calls itself), which this dashboard does not trust.`;
  }
  return undefined;
}
