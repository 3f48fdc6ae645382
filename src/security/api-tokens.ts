import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { Scope } from '../http/route.ts';
import { type Db, queryOne } from '../store/db.ts';
import { parseScopes } from './scopes.ts';

/** What a valid token stands for. */
export interface TokenGrant {
  tokenId: string;
  userId: string;
  scopes: Scope[];
  expiresAt: number;
}

export interface TokenInfo extends TokenGrant {
  name: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface TokenRow extends Record<string, unknown> {
  id: string;
  user_id: string;
  name: string;
  scopes: string;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  last_used_at: number | string | null;
}

const PREFIX = 'rft_';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toInfo(r: TokenRow): TokenInfo {
  return {
    tokenId: r.id,
    userId: r.user_id,
    name: r.name,
    scopes: parseScopes(r.scopes.split(',')),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: num(r.revoked_at),
    lastUsedAt: num(r.last_used_at),
  };
}

/** The bearer value of an `Authorization` header, or undefined (RFC 6750 2.1). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * Scoped API tokens of service accounts (RFC 6750 bearer tokens). A token is `rft_` and 32 random
 * bytes; only its sha256 is stored, so a database dump cannot be replayed. Every token has an
 * expiry, and revoking one takes effect on the next request.
 */
export class ApiTokenStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Issues a token; the secret is returned once and never stored. */
  async create(input: {
    userId: string;
    name: string;
    scopes: readonly Scope[];
    ttlMs: number;
  }): Promise<{ token: string; info: TokenInfo }> {
    if (!(input.ttlMs > 0)) throw new ReadfirstError('invalid-input', 'a token needs a positive lifetime');
    const scopes = parseScopes(input.scopes);
    const id = randomUUID();
    const token = PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + input.ttlMs;
    await this.db.run(
      'INSERT INTO api_tokens (id, user_id, name, secret_sha256, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, input.userId, input.name.slice(0, 128), sha256(token), scopes.join(','), now, expiresAt],
    );
    return {
      token,
      info: { tokenId: id, userId: input.userId, name: input.name, scopes, createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null },
    };
  }

  /** The grant of a live token; undefined when unknown, revoked or expired. */
  async lookup(token: string): Promise<TokenGrant | undefined> {
    if (!token.startsWith(PREFIX)) return undefined;
    const row = await queryOne<TokenRow>(this.db, 'SELECT * FROM api_tokens WHERE secret_sha256 = $1', [sha256(token)]);
    if (!row || row.revoked_at !== null) return undefined;
    const info = toInfo(row);
    const now = this.clock.now();
    if (info.expiresAt <= now) return undefined;
    // Coarse last-use time (one write a minute at most) for the admin's list of stale tokens.
    if (info.lastUsedAt === null || now - info.lastUsedAt > 60_000)
      await this.db.run('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [now, info.tokenId]);
    return { tokenId: info.tokenId, userId: info.userId, scopes: info.scopes, expiresAt: info.expiresAt };
  }

  async revoke(tokenId: string): Promise<void> {
    const n = await this.db.run('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [this.clock.now(), tokenId]);
    if (n === 0) throw new ReadfirstError('not-found', `no live token ${tokenId}`);
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.db.query<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at')).map(toInfo);
  }
}
