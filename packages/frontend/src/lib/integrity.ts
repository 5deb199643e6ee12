// Subresource Integrity, as browsers check <script integrity>: "sha384-BASE64", several
// space-separated hashes allowed, the strongest algorithm present must match.

const ALGORITHMS = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;
type SriAlgorithm = keyof typeof ALGORITHMS;
const STRENGTH: SriAlgorithm[] = ['sha512', 'sha384', 'sha256'];

export type IntegrityResult = { ok: true } | { ok: false; reason: string };

function toBase64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export async function verifyIntegrity(bytes: ArrayBuffer, integrity: string | undefined): Promise<IntegrityResult> {
  if (!integrity?.trim()) return { ok: false, reason: 'The page manifest gives no integrity hash for the custom bundle' };
  const hashes = new Map<SriAlgorithm, string[]>();
  for (const token of integrity.trim().split(/\s+/)) {
    const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
    if (!match) continue;
    const algorithm = match[1] as SriAlgorithm;
    hashes.set(algorithm, [...(hashes.get(algorithm) ?? []), match[2]!]);
  }
  const strongest = STRENGTH.find((algorithm) => hashes.has(algorithm));
  if (!strongest) return { ok: false, reason: `Unsupported integrity value "${integrity.slice(0, 40)}"` };
  if (!globalThis.crypto?.subtle) return { ok: false, reason: 'This browser cannot check bundle integrity (no crypto.subtle)' };
  const actual = toBase64(await crypto.subtle.digest(ALGORITHMS[strongest], bytes));
  return hashes.get(strongest)!.includes(actual)
    ? { ok: true }
    : { ok: false, reason: `Integrity mismatch: the bundle's ${strongest} is ${strongest}-${actual}` };
}
