import { type AuditRecord, GENESIS, entryHash } from './audit-entry.ts';

/** One place where the chain does not hold, with the sequence numbers involved. */
export type AuditProblem =
  | { kind: 'edited'; seq: number; message: string }
  | { kind: 'deleted'; afterSeq: number | null; beforeSeq: number; message: string }
  | { kind: 'reordered'; seq: number; belongsAfterSeq: number | null; message: string };

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The last entry: record it elsewhere to detect a cut at the tail later. */
  head: { seq: number; hash: string } | null;
  problems: AuditProblem[];
}

/**
 * Checks the hash chain of the audit trail and says exactly where it breaks:
 * - `edited`: an entry's content no longer matches its keyed hash;
 * - `deleted`: entries are missing (a gap in the sequence numbers, or an entry whose predecessor's
 *   hash is nowhere in the log);
 * - `reordered`: entries sit at sequence numbers other than where the chain puts them.
 * Entries cut from the very end leave no trace in the chain itself: compare `head` with the value
 * recorded last time (`readfirst audit verify --expect-head`).
 */
export function verifyAuditChain(records: readonly AuditRecord[], key: Buffer): AuditVerification {
  const problems: AuditProblem[] = [];
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  const byHash = new Map<string, AuditRecord>();
  const byPrev = new Map<string, AuditRecord>();
  for (const r of sorted) {
    byHash.set(r.hash, r);
    byPrev.set(r.prevHash, r);
    if (entryHash(key, r.prevHash, r) !== r.hash)
      problems.push({ kind: 'edited', seq: r.seq, message: `entry ${r.seq} was edited: its content no longer matches its hash` });
  }
  // The order the chain itself gives: segments that start at the genesis hash or after a missing entry.
  const chainOrder: AuditRecord[] = [];
  const placed = new Set<AuditRecord>();
  const starts = sorted.filter((r) => r.prevHash === GENESIS || !byHash.has(r.prevHash));
  for (const start of starts) {
    for (let cur: AuditRecord | undefined = start; cur && !placed.has(cur); cur = byPrev.get(cur.hash)) {
      placed.add(cur);
      chainOrder.push(cur);
    }
  }
  for (const r of sorted) if (!placed.has(r)) chainOrder.push(r);
  for (const start of starts) {
    if (start.prevHash === GENESIS) continue;
    const before = sorted.filter((r) => r.seq < start.seq).pop();
    problems.push({
      kind: 'deleted',
      afterSeq: before?.seq ?? null,
      beforeSeq: start.seq,
      message: `entries are missing before entry ${start.seq}${before ? ` (after entry ${before.seq})` : ' (at the start)'}: its predecessor is not in the log`,
    });
  }
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a && b && b.seq !== a.seq + 1 && byHash.has(b.prevHash)) {
      problems.push({
        kind: 'deleted',
        afterSeq: a.seq,
        beforeSeq: b.seq,
        message: `entries ${a.seq + 1}-${b.seq - 1} are missing (sequence gap)`,
      });
    }
  }
  if (sorted[0] && sorted[0].seq !== 1 && sorted[0].prevHash === GENESIS) {
    problems.push({
      kind: 'deleted',
      afterSeq: null,
      beforeSeq: sorted[0].seq,
      message: `entries 1-${sorted[0].seq - 1} are missing (sequence gap at the start)`,
    });
  }
  for (let i = 0; i < sorted.length; i++) {
    const atSeq = sorted[i];
    const inChain = chainOrder[i];
    if (!atSeq || !inChain || atSeq === inChain) continue;
    const pred = byHash.get(atSeq.prevHash);
    problems.push({
      kind: 'reordered',
      seq: atSeq.seq,
      belongsAfterSeq: pred?.seq ?? null,
      message: `entry ${atSeq.seq} is out of order: the chain puts it ${pred ? `right after entry ${pred.seq}` : 'first'}`,
    });
  }
  const last = sorted[sorted.length - 1];
  return { ok: problems.length === 0, entries: sorted.length, head: last ? { seq: last.seq, hash: last.hash } : null, problems };
}
