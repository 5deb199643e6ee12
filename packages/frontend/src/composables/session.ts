import type { AuthMe, Role } from '@oko/shared';
import { computed, shallowRef } from 'vue';
import type { LocationQueryValue, Router } from 'vue-router';
import { type ApiError, onUnauthorized } from '../api/client.js';
import { login, logout, readMe, setupAdmin } from '../api/auth.js';

// Who is using the dashboard, and the one place that decides what they may do. Components ask
// `can('admin')` instead of reading roles themselves, so "which buttons a viewer sees" has one
// answer. The backend still decides every request (403 FORBIDDEN): hiding is for the person, not
// for security.

/** null until /auth/me answered: nothing that needs a role shows before that. */
const me = shallowRef<AuthMe | null>(null);
let reading: Promise<AuthMe | null> | null = null;

/** Pages anyone may open: the sign-in and first-admin pages. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['sign-in', 'setup']);

/** Rank of each role: an admin may do whatever a viewer may. */
const RANK: Record<Role, number> = { viewer: 1, admin: 2 };

/** May the current person do what `role` may? With sign-in off everyone acts as admin. */
export function allowed(session: AuthMe | null, role: Role): boolean {
  if (!session) return false;
  if (session.auth === 'off') return true;
  return session.role !== null && RANK[session.role] >= RANK[role];
}

/** Read /auth/me once at a time; null when the backend cannot be reached (pages show that themselves). */
function refresh(): Promise<AuthMe | null> {
  reading ??= readMe()
    .then((answer) => (me.value = answer))
    .catch(() => null)
    .finally(() => (reading = null));
  return reading;
}

/** Where to go after signing in: only a path inside this dashboard, never another site or the sign-in page. */
export function safeNext(next: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const path = Array.isArray(next) ? next[0] : next;
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  if (path.startsWith('/sign-in') || path.startsWith('/setup')) return '/';
  return path;
}

async function signIn(username: string, password: string): Promise<AuthMe> {
  me.value = await login({ username, password });
  return me.value;
}

async function setup(token: string, username: string, password: string): Promise<AuthMe> {
  const answer = await setupAdmin({ token, username, password });
  // The backend may or may not sign the new admin in; /auth/me says which.
  me.value = answer?.auth ? answer : await readMe();
  return me.value;
}

async function signOut(): Promise<void> {
  try {
    await logout();
  } finally {
    me.value = me.value ? { ...me.value, user: null, role: null } : null;
    await refresh();
  }
}

/** For tests, and for the 401 handler: what the UI believes about the session now. */
export function setSession(session: AuthMe | null): void {
  me.value = session;
}

export function useSession() {
  return {
    me,
    user: computed(() => me.value?.user ?? null),
    role: computed(() => me.value?.role ?? null),
    authOn: computed(() => me.value?.auth === 'on'),
    can: (role: Role) => allowed(me.value, role),
    refresh,
    signIn,
    setup,
    signOut,
  };
}

/**
 * Sends whoever is not signed in to the sign-in page (the setup page while no admin exists),
 * remembering where they were going: before each navigation, and whenever any API call answers 401.
 */
export function installSessionGuard(router: Router): void {
  onUnauthorized((error: ApiError) => {
    const current = router.currentRoute.value;
    if (PUBLIC_ROUTES.has(String(current.name))) return;
    const setupRequired = error.code === 'SETUP_REQUIRED';
    me.value = { user: null, role: null, auth: 'on', ...(setupRequired ? { setup_required: true } : {}) };
    void router.replace(setupRequired ? { name: 'setup' } : { name: 'sign-in', query: { next: current.fullPath } });
  });
  router.beforeEach(async (to) => {
    const session = me.value ?? (await refresh());
    const name = String(to.name);
    if (!session) return true;
    if (session.setup_required) return name === 'setup' ? true : { name: 'setup' };
    if (session.auth === 'on' && !session.user) return PUBLIC_ROUTES.has(name) ? true : { name: 'sign-in', query: { next: to.fullPath } };
    if (PUBLIC_ROUTES.has(name)) return safeNext(to.query.next);
    return true;
  });
}
