import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { Role, Scope } from '../http/route.ts';
import { type Db, queryOne } from '../store/db.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';

/** A signed-in person (or service) as the rest of readfirst sees it. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
  /** How this request signed in: a browser session, or a service account's API token. */
  via?: 'session' | 'token';
  /** The token's scopes (API tokens only). */
  scopes?: Scope[];
  tokenId?: string;
}

export interface UserRecord extends Principal {
  disabled: boolean;
  createdAt: number;
}

interface UserRow extends Record<string, unknown> {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string;
  disabled: number;
  created_at: number | string;
}

export const ROLES: readonly Role[] = ['radiologist', 'technologist', 'admin', 'auditor', 'service'];

/** Stored instead of a hash for service accounts: no password can ever match it. */
const NO_PASSWORD = '!service-account';
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function parseRoles(raw: readonly string[]): Role[] {
  const bad = raw.filter((r) => !ROLES.includes(r as Role));
  if (bad.length > 0) throw new ReadfirstError('invalid-input', `unknown role ${bad.join(', ')} (known: ${ROLES.join(', ')})`);
  return [...new Set(raw as Role[])];
}

function toRecord(row: UserRow): UserRecord {
  return {
    userId: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: parseRoles(row.roles.split(',').filter((r) => r !== '')),
    disabled: Number(row.disabled) === 1,
    createdAt: Number(row.created_at),
  };
}

/** Users and their roles, over the Db seam. Passwords are stored only as scrypt hashes. */
export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async create(input: { username: string; displayName?: string; password: string; roles: readonly Role[] }): Promise<UserRecord> {
    const username = input.username.toLowerCase();
    if (!USERNAME_PATTERN.test(username)) throw new ReadfirstError('invalid-input', 'username must be 2-64 of a-z 0-9 . _ -');
    const problem = passwordProblem(input.password);
    if (problem) throw new ReadfirstError('invalid-input', problem);
    if (input.roles.length === 0) throw new ReadfirstError('invalid-input', 'a user needs at least one role');
    if (input.roles.includes('service'))
      throw new ReadfirstError('invalid-input', 'create service accounts with `readfirst token create`; they have no password');
    if (await this.findByUsername(username)) throw new ReadfirstError('conflict', `user ${username} exists`);
    const now = this.clock.now();
    const id = randomUUID();
    await this.db.run(
      'INSERT INTO users (id, username, display_name, password_hash, roles, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)',
      [id, username, input.displayName ?? username, await hashPassword(input.password), parseRoles(input.roles).join(','), now],
    );
    return { userId: id, username, displayName: input.displayName ?? username, roles: [...input.roles], disabled: false, createdAt: now };
  }

  /**
   * A service account (OHIF, Orthanc, a scraper): role `service` only, no password; it acts only
   * through API tokens.
   */
  async createServiceAccount(input: { username: string; displayName?: string }): Promise<UserRecord> {
    const username = input.username.toLowerCase();
    if (!USERNAME_PATTERN.test(username)) throw new ReadfirstError('invalid-input', 'username must be 2-64 of a-z 0-9 . _ -');
    if (await this.findByUsername(username)) throw new ReadfirstError('conflict', `user ${username} exists`);
    const now = this.clock.now();
    const id = randomUUID();
    await this.db.run(
      'INSERT INTO users (id, username, display_name, password_hash, roles, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)',
      [id, username, input.displayName ?? username, NO_PASSWORD, 'service', now],
    );
    return { userId: id, username, displayName: input.displayName ?? username, roles: ['service'], disabled: false, createdAt: now };
  }

  /** Sets a password; the caller revokes the user's other sessions (see routes and CLI). Returns the user's id. */
  async setPassword(username: string, password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw new ReadfirstError('invalid-input', problem);
    const user = await this.findByUsername(username);
    if (!user) throw new ReadfirstError('not-found', `no user ${username}`);
    if (user.roles.includes('service'))
      throw new ReadfirstError('invalid-input', 'service accounts sign in with API tokens, not passwords');
    await this.db.run('UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3', [
      await hashPassword(password),
      this.clock.now(),
      user.userId,
    ]);
    return user.userId;
  }

  async setRoles(username: string, roles: readonly Role[]): Promise<UserRecord> {
    const user = await this.findByUsername(username);
    if (!user) throw new ReadfirstError('not-found', `no user ${username}`);
    if (roles.includes('service') !== user.roles.includes('service'))
      throw new ReadfirstError('invalid-input', 'a person cannot become a service account or the reverse');
    await this.db.run('UPDATE users SET roles = $1, updated_at = $2 WHERE id = $3', [
      parseRoles(roles).join(','),
      this.clock.now(),
      user.userId,
    ]);
    return { ...user, roles: parseRoles(roles) };
  }

  async setDisabled(username: string, disabled: boolean): Promise<UserRecord> {
    const n = await this.db.run('UPDATE users SET disabled = $1, updated_at = $2 WHERE username = $3', [
      disabled ? 1 : 0,
      this.clock.now(),
      username.toLowerCase(),
    ]);
    if (n === 0) throw new ReadfirstError('not-found', `no user ${username}`);
    const user = await this.findByUsername(username);
    if (!user) throw new ReadfirstError('not-found', `no user ${username}`);
    return user;
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    const row = await queryOne<UserRow>(this.db, 'SELECT * FROM users WHERE id = $1', [userId]);
    return row && toRecord(row);
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await queryOne<UserRow>(this.db, 'SELECT * FROM users WHERE username = $1', [username.toLowerCase()]);
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.query<UserRow>('SELECT * FROM users ORDER BY username');
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    const row = await queryOne<{ n: number | string }>(this.db, 'SELECT COUNT(*) AS n FROM users');
    return Number(row?.n ?? 0);
  }

  /** The user when the password matches and the account is enabled; undefined otherwise. */
  async authenticate(username: string, password: string): Promise<UserRecord | undefined> {
    const row = await queryOne<UserRow>(this.db, 'SELECT * FROM users WHERE username = $1', [username.toLowerCase()]);
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok || Number(row.disabled) === 1) return undefined;
    return toRecord(row);
  }
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword('not-a-real-password');
  return dummy;
}
