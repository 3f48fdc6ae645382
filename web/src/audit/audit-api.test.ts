import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER, auditQuery } from './audit-api.ts';

const params = (q: string): Record<string, string> => Object.fromEntries(new URLSearchParams(q));

describe('auditQuery (the query string of one page of GET /api/audit)', () => {
  it('maps the form to the API names, trimmed, and leaves out empty fields', () => {
    const q = params(auditQuery({ ...EMPTY_FILTER, actor: ' reader ', action: 'phi.view', patientId: 'P1', studyUid: '1.2.3' }, 51, 0));
    expect(q).toEqual({ actor: 'reader', action: 'phi.view', patientId: 'P1', objectId: '1.2.3', limit: '51' });
  });

  it('includes both days of the range: from the first midnight to the midnight after the last day', () => {
    const q = params(auditQuery({ ...EMPTY_FILTER, from: '2026-12-01', to: '2026-12-01' }, 50, 0));
    const from = new Date(2026, 11, 1).getTime();
    expect(Number(q.from)).toBe(from);
    expect(Number(q.to)).toBe(new Date(2026, 11, 2).getTime());
    expect(Number(q.to) - Number(q.from)).toBeGreaterThanOrEqual(23 * 3_600_000);
  });

  it('pages forward after the last sequence number shown', () => {
    expect(params(auditQuery(EMPTY_FILTER, 50, 0)).afterSeq).toBeUndefined();
    expect(params(auditQuery(EMPTY_FILTER, 50, 120)).afterSeq).toBe('120');
  });
});
