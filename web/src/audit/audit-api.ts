import { api } from '../shell/api.ts';

/**
 * The audited actions, as the server records them (src/security/audit/audit-entry.ts
 * `AuditAction`); each is an IHE ATNA / DICOM PS3.15 A.5 event.
 */
export const AUDIT_ACTIONS = [
  'user.login',
  'user.logout',
  'phi.view',
  'phi.query',
  'instances.stored',
  'ai.result',
  'verdict.recorded',
  'report.signed',
  'export',
  'config.changed',
  'user.changed',
  'token.changed',
  'api.change',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One entry of `GET /api/audit` (the server's AuditRecord). */
export interface AuditEntry {
  seq: number;
  at: number;
  action: AuditAction;
  outcome: 'success' | 'failure';
  actor: string;
  actorRoles: string;
  source: string;
  objectType: string;
  objectId: string;
  patientId: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** `GET /api/audit/verify` (the server's AuditVerification). */
export interface ChainStatus {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  problems: { kind: 'edited' | 'deleted' | 'reordered'; message: string }[];
}

/** What the auditor searches by; dates are `YYYY-MM-DD` in local time, both days included. */
export interface AuditFilter {
  actor: string;
  action: AuditAction | '';
  patientId: string;
  studyUid: string;
  from: string;
  to: string;
}

export const EMPTY_FILTER: AuditFilter = { actor: '', action: '', patientId: '', studyUid: '', from: '', to: '' };

/** Local midnight starting the day `d` (`YYYY-MM-DD`), `days` later; by calendar, so a DST day is still one day. */
function midnight(d: string, days = 0): number {
  const t = new Date(`${d}T00:00:00`);
  t.setDate(t.getDate() + days);
  return t.getTime();
}

/**
 * The query string of one page: the API pages forward by sequence number (`afterSeq`), and its
 * range is half-open (`at >= from`, `at < to`), so the "to" day ends at the next midnight.
 */
export function auditQuery(f: AuditFilter, pageSize: number, afterSeq: number): string {
  const q = new URLSearchParams();
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.action) q.set('action', f.action);
  if (f.patientId.trim()) q.set('patientId', f.patientId.trim());
  // A study is the object of the entries about it (objectType `study`).
  if (f.studyUid.trim()) q.set('objectId', f.studyUid.trim());
  if (f.from) q.set('from', String(midnight(f.from)));
  if (f.to) q.set('to', String(midnight(f.to, 1)));
  q.set('limit', String(pageSize));
  if (afterSeq > 0) q.set('afterSeq', String(afterSeq));
  return q.toString();
}

export function searchAudit(f: AuditFilter, pageSize: number, afterSeq: number): Promise<AuditEntry[]> {
  return api<AuditEntry[]>('GET', `/api/audit?${auditQuery(f, pageSize, afterSeq)}`);
}

export function verifyChain(): Promise<ChainStatus> {
  return api<ChainStatus>('GET', '/api/audit/verify');
}
