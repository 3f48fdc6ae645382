import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { type Db, queryOne } from '../store/db.ts';

export interface Session {
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** sha256 of the cookie token: the only form stored. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Server-side sessions. The cookie holds 32 random bytes; the store holds their hash, the user and
 * an absolute expiry (config `security.sessionTtlMs`), so a stolen cookie dies with its session.
 */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Starts a session; returns the token for the cookie. */
  async create(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + this.ttlMs;
    await this.db.run('INSERT INTO sessions (token_sha256, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)', [
      digest(token),
      userId,
      now,
      expiresAt,
    ]);
    return { token, expiresAt };
  }

  /** The live session for a token, or undefined when unknown or expired (expired ones are removed). */
  async lookup(token: string): Promise<Session | undefined> {
    const row = await queryOne<{ user_id: string; created_at: number | string; expires_at: number | string }>(
      this.db,
      'SELECT user_id, created_at, expires_at FROM sessions WHERE token_sha256 = $1',
      [digest(token)],
    );
    if (!row) return undefined;
    const expiresAt = Number(row.expires_at);
    if (expiresAt <= this.clock.now()) {
      await this.revoke(token);
      return undefined;
    }
    return { userId: row.user_id, createdAt: Number(row.created_at), expiresAt };
  }

  async revoke(token: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE token_sha256 = $1', [digest(token)]);
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  /** Deletes expired sessions; returns how many. */
  async purgeExpired(): Promise<number> {
    return this.db.run('DELETE FROM sessions WHERE expires_at <= $1', [this.clock.now()]);
  }
}
