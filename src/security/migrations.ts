import type { Migration } from '../store/migrate.ts';

/**
 * Schema of the security domain: users with roles, and server-side sessions. A session row holds
 * the sha256 of the cookie token, never the token itself, so a database dump cannot sign anyone in.
 */
export const securityMigrations: readonly Migration[] = [
  {
    id: 'security-001-users-sessions',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE INDEX sessions_expires ON sessions (expires_at);
    `,
  },
  {
    // API tokens of service accounts: only the sha256 of the secret is kept; revoked ones stay
    // (revoked_at set) so the audit trail can still name them.
    id: 'security-002-api-tokens',
    sql: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        secret_sha256 TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT,
        last_used_at BIGINT
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id);
    `,
  },
  {
    // The audit trail (IHE ATNA / DICOM PS3.15 A.5): append-only, each row's hash covers the
    // previous row's hash, so an edit, a deletion or a swap breaks the chain where it happened.
    id: 'security-003-audit-log',
    sql: `
      CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_roles TEXT NOT NULL,
        source TEXT NOT NULL,
        object_type TEXT NOT NULL,
        object_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_actor ON audit_log (actor);
      CREATE INDEX audit_log_object ON audit_log (object_id);
    `,
  },
];
