import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';

// A deleted account leaves nothing that works (README "Sign-in"), not even for the next account
// given its name: a login that was checking the password while the user was deleted gets no session.
let backend: TestBackend;
beforeAll(async () => {
  backend = await buildTestBackend({ env: { OKO_ADMIN_PASSWORD: 'admin-password-123' } });
});
afterAll(async () => backend?.close());

describe('an account deleted while it signs in', () => {
  it('gets no session, so a new account of that name is not reached by it', async () => {
    const auth = backend.app.auth;
    await auth.addUser('vera', 'vera-password-1', 'viewer');
    const login = auth.login('vera', 'vera-password-1').then(
      ({ sessionId }) => sessionId,
      (error: unknown) => error,
    );
    await auth.deleteUser('vera');
    const outcome = await login;
    await auth.addUser('vera', 'someone-else-1', 'admin');
    if (typeof outcome === 'string') expect(auth.identify(undefined, outcome), 'the old login acts as the new admin').toBeNull();
    expect(outcome).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(auth.store.sessions.filter((session) => session.user === 'vera')).toHaveLength(0);
  });
});
