import { createError, type AuthMe, type CreatedToken, type Role, type TokenInfo, type UserInfo } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import { AuthStore, type StoredUser } from './accounts/auth-store.js';
import type { AuthConfig } from './config.js';
import { decideAuthMode, type AuthMode } from './mode.js';
import { passwordHasher } from './passwords/scrypt.js';
import { randomSecret, secretHash, shortId } from './tokens/secrets.js';

/** Who a request acts as. With sign-in off everyone is admin, with no user name. */
export interface RequestIdentity {
  user: string | null;
  role: Role;
}

const SETUP_TOKEN_TTL_MS = 3_600_000;

/** Accounts, sessions, API tokens and the one-time setup token: what the auth routes and the access hook call. */
export class AuthService {
  readonly store: AuthStore;
  /** Every route the app registered (method, url pattern): what the access table must classify. */
  readonly routes: Array<{ method: string; url: string }> = [];
  /** The clock: tests move it to expire sessions and the setup token. */
  now: () => number = Date.now;
  private setupToken: { hash: string; expiresAt: number } | null = null;
  /** An unknown user still costs one password hash: verified against this. */
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly config: AuthConfig,
    private readonly listenHost: string,
    private readonly log: FastifyBaseLogger,
    dataDir: string,
  ) {
    this.store = new AuthStore(dataDir);
  }

  async init(): Promise<void> {
    // Made now, not at the first unknown name: that first login would otherwise cost two hashes.
    this.decoy = passwordHasher.hash(randomSecret());
    await this.store.init();
    const initial = this.config.initialAdmin;
    if (initial && !this.store.user(initial.username)) {
      await this.addUser(initial.username, initial.password, 'admin');
      this.log.info({ user: initial.username }, 'created the admin account from OKO_ADMIN_PASSWORD');
    }
    const mode = this.mode();
    if (mode.unsafe) this.log.warn(mode.notice);
  }

  mode(): AuthMode {
    return decideAuthMode(this.config.setting, this.listenHost, this.store.hasAdmin());
  }

  /** Issues the one-time setup token (valid 1 hour, replaces any earlier one); null when no setup is needed. */
  issueSetupToken(): string | null {
    if (!this.mode().setupRequired) return null;
    const token = randomSecret();
    this.setupToken = { hash: secretHash(token), expiresAt: this.now() + SETUP_TOKEN_TTL_MS };
    return token;
  }

  /** Creates the first admin with the setup token; the token is spent whatever follows. */
  async setup(token: string, username: string, password: string): Promise<void> {
    const pending = this.setupToken;
    const valid = pending !== null && this.mode().setupRequired && secretHash(token) === pending.hash && this.now() < pending.expiresAt;
    if (!valid)
      throw createError(
        'SETUP_TOKEN_INVALID',
        'The setup token is wrong, used or expired (it is valid 1 hour, once); restart the backend for a new one',
      );
    this.setupToken = null;
    await this.addUser(username, password, 'admin');
  }

  me(identity: RequestIdentity | null): AuthMe {
    const mode = this.mode();
    const me: AuthMe = { user: identity?.user ?? null, role: identity?.role ?? null, auth: mode.on ? 'on' : 'off' };
    if (mode.notice) me.notice = mode.notice;
    if (mode.unsafe) me.unsafe = true;
    if (mode.setupRequired) me.setup_required = true;
    return me;
  }

  /** The identity behind a bearer token or a session id; null for none, unknown or expired. */
  identify(bearer: string | undefined, sessionId: string | undefined): RequestIdentity | null {
    if (bearer) {
      const hash = secretHash(bearer);
      const token = this.store.tokens.find((entry) => entry.token_hash === hash);
      const user = token && this.store.user(token.user);
      if (!token || !user) return null;
      // Kept in memory and saved with the next change: a read must not cost a disk write.
      token.last_used_at = new Date(this.now()).toISOString();
      return { user: user.username, role: user.role };
    }
    if (sessionId) {
      const hash = secretHash(sessionId);
      const session = this.store.sessions.find((entry) => entry.id_hash === hash);
      const user = session && session.expires_at > this.now() ? this.store.user(session.user) : undefined;
      return user ? { user: user.username, role: user.role } : null;
    }
    return null;
  }

  /** Checks the password (an unknown name costs the same hash); answers the new session id. */
  async login(username: string, password: string): Promise<{ sessionId: string; user: StoredUser }> {
    const user = this.store.user(username);
    this.decoy ??= passwordHasher.hash(randomSecret());
    const ok = await passwordHasher.verify(password, user?.password_hash ?? (await this.decoy));
    if (!user || !ok) throw createError('UNAUTHORIZED', 'Wrong username or password');
    return { sessionId: await this.startSession(user.username), user };
  }

  async startSession(username: string): Promise<string> {
    const sessionId = randomSecret();
    const now = this.now();
    await this.store.update((data) => {
      // Checked with the write: a login verifies its password for a while, and the user may be deleted
      // meanwhile. A session issued after that would belong to whoever gets the name next.
      if (!data.users.some((user) => user.username === username)) throw createError('UNAUTHORIZED', 'Wrong username or password');
      data.sessions = data.sessions.filter((session) => session.expires_at > now);
      data.sessions.push({ id_hash: secretHash(sessionId), user: username, expires_at: now + this.config.sessionTtlMs });
    });
    return sessionId;
  }

  get sessionTtlS(): number {
    return Math.max(1, Math.floor(this.config.sessionTtlMs / 1000));
  }

  async endSession(sessionId: string): Promise<void> {
    const hash = secretHash(sessionId);
    if (!this.store.sessions.some((session) => session.id_hash === hash)) return;
    await this.store.update((data) => {
      data.sessions = data.sessions.filter((session) => session.id_hash !== hash);
    });
  }

  users(): UserInfo[] {
    return this.store.users.map(({ username, role, created_at }) => ({ username, role, created_at }));
  }

  async addUser(username: string, password: string, role: Role): Promise<UserInfo> {
    if (this.store.user(username)) throw createError('USER_EXISTS', `A user named ${username} exists already`);
    const user: StoredUser = {
      username,
      role,
      password_hash: await passwordHasher.hash(password),
      created_at: new Date(this.now()).toISOString(),
    };
    // Checked again after the hash: two creations of one name may have raced while hashing.
    if (this.store.user(username)) throw createError('USER_EXISTS', `A user named ${username} exists already`);
    // A new account starts with no sessions or tokens: nothing left under its name from an earlier one counts.
    await this.store.update((data) => {
      data.users.push(user);
      data.sessions = data.sessions.filter((entry) => entry.user !== username);
      data.tokens = data.tokens.filter((entry) => entry.user !== username);
    });
    return { username, role, created_at: user.created_at };
  }

  /** Deletes a user with every session and token of theirs; the last admin stays. */
  async deleteUser(username: string): Promise<void> {
    const user = this.store.user(username);
    if (!user) throw createError('USER_NOT_FOUND', `No user named ${username}`);
    if (user.role === 'admin' && this.store.users.filter((entry) => entry.role === 'admin').length === 1)
      throw createError('LAST_ADMIN', `${username} is the last admin and cannot be deleted; create another admin first`);
    await this.store.update((data) => {
      data.users = data.users.filter((entry) => entry.username !== username);
      data.sessions = data.sessions.filter((entry) => entry.user !== username);
      data.tokens = data.tokens.filter((entry) => entry.user !== username);
    });
  }

  tokens(): TokenInfo[] {
    return this.store.tokens.map(({ id, name, user, created_at, last_used_at }) => ({
      id,
      name,
      user,
      created_at,
      ...(last_used_at ? { last_used_at } : {}),
    }));
  }

  async createToken(owner: string | null, name: string): Promise<CreatedToken> {
    if (owner === null)
      throw createError(
        'BAD_REQUEST',
        'An API token acts as an account, and sign-in is off: create an admin account first (POST /api/v1/auth/users)',
      );
    const token = randomSecret('oko_');
    const id = shortId();
    await this.store.update((data) => {
      data.tokens.push({ id, name, user: owner, token_hash: secretHash(token), created_at: new Date(this.now()).toISOString() });
    });
    return { id, name, token };
  }

  async revokeToken(id: string): Promise<void> {
    if (!this.store.tokens.some((token) => token.id === id)) throw createError('TOKEN_NOT_FOUND', `No API token with id ${id}`);
    await this.store.update((data) => {
      data.tokens = data.tokens.filter((token) => token.id !== id);
    });
  }
}
