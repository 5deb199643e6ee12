import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Role } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';

export interface StoredUser {
  username: string;
  role: Role;
  /** passwordHasher format: scrypt with its salt and parameters. */
  password_hash: string;
  created_at: string;
}

export interface StoredToken {
  id: string;
  name: string;
  user: string;
  /** SHA-256 of the token: the secret itself is shown once and never kept. */
  token_hash: string;
  created_at: string;
  last_used_at?: string;
}

export interface StoredSession {
  /** SHA-256 of the cookie value. */
  id_hash: string;
  user: string;
  expires_at: number;
}

interface AuthFile {
  users: StoredUser[];
  tokens: StoredToken[];
  sessions: StoredSession[];
}

/**
 * Accounts, API tokens and sessions in one file, `<data>/auth/auth.json` (folder 0700, file 0600).
 * Sessions are kept too, so a signed-in browser stays signed in across a backend restart. The one
 * module that owns the file: writes are serialised and atomic; an unreadable file stops the start
 * instead of silently meaning "no accounts" (which would switch sign-in off).
 */
export class AuthStore {
  private data: AuthFile = { users: [], tokens: [], sessions: [] };
  private writes: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private readonly file: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'auth');
    this.file = path.join(this.dir, 'auth.json');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<AuthFile>;
    if (!Array.isArray(parsed.users) || !Array.isArray(parsed.tokens) || !Array.isArray(parsed.sessions))
      throw new Error(`${this.file} is not an auth file (users, tokens, sessions); fix or remove it`);
    this.data = { users: parsed.users, tokens: parsed.tokens, sessions: parsed.sessions };
  }

  get users(): readonly StoredUser[] {
    return this.data.users;
  }
  get tokens(): readonly StoredToken[] {
    return this.data.tokens;
  }
  get sessions(): readonly StoredSession[] {
    return this.data.sessions;
  }

  user(username: string): StoredUser | undefined {
    return this.data.users.find((user) => user.username === username);
  }

  hasAdmin(): boolean {
    return this.data.users.some((user) => user.role === 'admin');
  }

  /** Applies `change` to the data and saves it; changes are seen at once, saves happen in order. */
  update(change: (data: AuthFile) => void): Promise<void> {
    change(this.data);
    const content = JSON.stringify(this.data, null, 2);
    const write = this.writes.then(async () => {
      await writeFileAtomic(this.file, content);
      await chmod(this.file, 0o600);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}
