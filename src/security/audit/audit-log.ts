import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ReadfirstError } from '../../core/errors.ts';
import type { Db } from '../../store/db.ts';
import { type AuditEvent, type AuditRecord, GENESIS, entryHash } from './audit-entry.ts';

interface AuditRow extends Record<string, unknown> {
  seq: number | string;
  at: number | string;
  action: string;
  outcome: string;
  actor: string;
  actor_roles: string;
  source: string;
  object_type: string;
  object_id: string;
  patient_id: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

export function toRecord(r: AuditRow): AuditRecord {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(r.detail) as Record<string, unknown>;
  } catch {
    detail = { unparsable: r.detail };
  }
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    action: r.action as AuditRecord['action'],
    outcome: r.outcome as AuditRecord['outcome'],
    actor: r.actor,
    actorRoles: r.actor_roles,
    source: r.source,
    objectType: r.object_type,
    objectId: r.object_id,
    patientId: r.patient_id,
    detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Reads the audit key, creating a random one (mode 0600) on first use. */
export function loadAuditKey(path: string): Buffer {
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process sharing the key file created it first: use its key.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    throw e;
  }
  return key;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  patientId?: string;
  objectId?: string;
  limit?: number;
  afterSeq?: number;
}

/** Any fixed key: the PostgreSQL advisory lock that serialises appends across processes. */
const AUDIT_LOCK = 7_270_602;

/**
 * The append-only audit trail (IHE ATNA record content; DICOM PS3.15 A.5). Appends are serialised
 * in this process and, on PostgreSQL, across processes by an advisory lock; the sequence number is
 * the primary key besides, so two writers can never fork the chain (the loser retries on the new head). Nothing in readfirst updates or
 * deletes a row.
 */
export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {}

  /** Appends one event; resolves once it is committed. */
  append(event: AuditEvent): Promise<AuditRecord> {
    const next = this.tail.then(() => this.appendNow(event));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Waits for every append so far (tests, shutdown). */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async appendNow(event: AuditEvent): Promise<AuditRecord> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          // Several processes (a scaled-out deployment) append to one chain: one at a time.
          if (this.db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
          const head = (
            await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
          )[0];
          const seq = head ? Number(head.seq) + 1 : 1;
          const prevHash = head?.hash ?? GENESIS;
          const hash = entryHash(this.key, prevHash, event);
          await tx.run(
            'INSERT INTO audit_log (seq, at, action, outcome, actor, actor_roles, source, object_type, object_id, patient_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)',
            [
              seq,
              event.at,
              event.action,
              event.outcome,
              event.actor,
              event.actorRoles,
              event.source,
              event.objectType,
              event.objectId,
              event.patientId,
              JSON.stringify(event.detail),
              prevHash,
              hash,
            ],
          );
          return { ...event, seq, prevHash, hash };
        });
      } catch (e) {
        if (attempt >= 5) throw new ReadfirstError('unavailable', 'audit log append failed', undefined, { cause: e });
      }
    }
  }

  /** Entries in sequence order, filtered (the auditor's search). */
  async search(q: AuditQuery = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, v: string | number): void => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.from !== undefined) add('at >= ?', q.from);
    if (q.to !== undefined) add('at < ?', q.to);
    if (q.actor) add('actor = ?', q.actor.toLowerCase());
    if (q.action) add('action = ?', q.action);
    if (q.patientId) add('patient_id = ?', q.patientId);
    if (q.objectId) add('object_id = ?', q.objectId);
    if (q.afterSeq !== undefined) add('seq > ?', q.afterSeq);
    const limit = Math.min(Math.max(q.limit ?? 500, 1), 10_000);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ${limit}`;
    return (await this.db.query<AuditRow>(sql, params)).map(toRecord);
  }

  /** Every entry in sequence order, a page at a time (verify, export). */
  async *all(pageSize = 5_000): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const rows = (await this.db.query<AuditRow>(`SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT ${pageSize}`, [after])).map(
        toRecord,
      );
      for (const r of rows) yield r;
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) return;
      after = last.seq;
    }
  }
}
