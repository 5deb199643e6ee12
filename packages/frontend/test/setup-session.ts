import { beforeEach } from 'vitest';
import { setSession } from '../src/composables/session.js';

// Components hide admin controls until they know who is looking. Tests that are not about sign-in
// run as a developer's own machine does: sign-in off, everyone admin. Sign-in tests set their own.
beforeEach(() => setSession({ user: null, role: null, auth: 'off' }));
