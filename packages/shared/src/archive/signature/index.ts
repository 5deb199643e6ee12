// Plugin signatures, Node-only (node:crypto, node:fs): re-exported by `@oko/shared/archive`.
export { canonicalJson } from './canonical.js';
export { hashFiles } from './hash.js';
export { generateKeyPair, keyIdOf, parsePrivateKey, parsePublicKey, rawPublicKey, KeyFormatError, type SigningKeyPair } from './keys.js';
export { parseSignature, readSignature, SIGNATURE_MAX_BYTES, SIGNATURE_MAX_FILES } from './read.js';
export { signPayload, signPlugin, signaturePayload, verifySignatureBytes, type SignOptions, type SignaturePayload } from './sign.js';
export { checkSignature, differingFiles, type SignatureCheck } from './check.js';
export { checkPluginSignature } from './check-dir.js';
