// The environment `npm start` (scripts/start-all.mjs) gives both services: what the user set, plus
// the defaults that tie the two together and make a first run work out of the box.
import path from 'node:path';

/**
 * @param {NodeJS.ProcessEnv} env the launcher's own environment
 * @param {string} root the repository root
 * @returns {NodeJS.ProcessEnv}
 */
export function startEnv(env, root) {
  // The backend talks to the store this script starts, wherever OKO_STORE_HOST/PORT put it.
  const storeHost = env.OKO_STORE_HOST || '127.0.0.1';
  return {
    ...env,
    OKO_STORE_URL:
      env.OKO_STORE_URL || `http://${storeHost === '0.0.0.0' ? '127.0.0.1' : storeHost}:${env.OKO_STORE_PORT || '8001'}/api/v1`,
    // The example plugins ship signed by the key in examples/keys: trusting it makes the first run
    // show them `valid`. Set OKO_TRUSTED_KEYS (even to '') to choose otherwise.
    OKO_TRUSTED_KEYS: env.OKO_TRUSTED_KEYS ?? path.join(root, 'examples', 'keys'),
  };
}
