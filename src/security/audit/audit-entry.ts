import { createHmac } from 'node:crypto';

/**
 * What is audited. Each maps to an IHE ATNA / DICOM PS3.15 A.5 event in `atna.ts`.
 */
export type AuditAction =
  | 'user.login'
  | 'user.logout'
  | 'phi.view'
  | 'phi.query'
  | 'instances.stored'
  | 'ai.result'
  | 'verdict.recorded'
  | 'report.signed'
  | 'export'
  | 'config.changed'
  | 'user.changed'
  | 'token.changed'
  | 'api.change';

export type AuditOutcome = 'success' | 'failure';

/** One audit event as recorded. `patientId` is empty when no patient is involved. */
export interface AuditEvent {
  at: number;
  action: AuditAction;
  outcome: AuditOutcome;
  /** User name, service account, `system`, or `anonymous`. */
  actor: string;
  actorRoles: string;
  /** Client address, calling AE title, or `cli`. */
  source: string;
  /** `study`, `instance`, `user`, `token`, `route`, `export`, `policy`, `result`. */
  objectType: string;
  objectId: string;
  patientId: string;
  /** Small JSON object: route, status, model id/version, counts. Never pixel data. */
  detail: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash before the first entry. */
export const GENESIS = '0'.repeat(64);

/**
 * The chain link: HMAC-SHA256 over the previous hash and the entry's fields in a fixed order.
 * Keyed, so someone who can write the database but not read the key file cannot re-hash an edit;
 * it covers the previous hash, so an edit, a deletion or a swap breaks the chain where it happened.
 * The sequence number is not hashed: a gap is reported as a deletion, a link mismatch as a move.
 */
export function entryHash(key: Buffer, prevHash: string, e: AuditEvent): string {
  const fields = [
    e.at,
    e.action,
    e.outcome,
    e.actor,
    e.actorRoles,
    e.source,
    e.objectType,
    e.objectId,
    e.patientId,
    JSON.stringify(e.detail),
  ];
  return createHmac('sha256', key).update(prevHash).update('\n').update(JSON.stringify(fields)).digest('hex');
}
