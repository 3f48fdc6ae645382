import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { Role } from '../http/route.ts';
import { type Db, queryOne } from '../store/db.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';

/** A signed-in person (or service) as the rest of readfirst sees it. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
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

const ROLES: readonly Role[] = ['radiologist', 'admin', 'service'];
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
    if (await this.findByUsername(username)) throw new ReadfirstError('conflict', `user ${username} exists`);
    const now = this.clock.now();
    const id = randomUUID();
    await this.db.run(
      'INSERT INTO users (id, username, display_name, password_hash, roles, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)',
      [id, username, input.displayName ?? username, await hashPassword(input.password), parseRoles(input.roles).join(','), now],
    );
    return { userId: id, username, displayName: input.displayName ?? username, roles: [...input.roles], disabled: false, createdAt: now };
  }

  async setPassword(username: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new ReadfirstError('invalid-input', problem);
    const n = await this.db.run('UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3', [
      await hashPassword(password),
      this.clock.now(),
      username.toLowerCase(),
    ]);
    if (n === 0) throw new ReadfirstError('not-found', `no user ${username}`);
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
