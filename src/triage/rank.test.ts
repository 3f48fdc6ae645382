import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { defaultPolicy, loadPolicyFile, parsePolicy } from './policy.ts';
import type { FindingEvidence } from '../worklist/worklist-store.ts';
import { rankStudy, type TriageInput } from './rank.ts';

const T0 = Date.UTC(2026, 0, 1, 8);
const ptx = (p: number): FindingEvidence => ({
  key: 'pneumothorax',
  display: 'Pneumothorax',
  probability: p,
  decisions: [
    { name: 'high-sensitivity', threshold: 0.71, positive: p >= 0.71 },
    { name: 'balanced', threshold: 0.85, positive: p >= 0.85 },
  ],
});
const input = (over: Partial<TriageInput>): TriageInput => ({
  arrivedAt: T0,
  orderPriority: null,
  patientLocation: null,
  aiStatus: 'analysed',
  findings: [],
  ...over,
});

describe('rankStudy', () => {
  const policy = defaultPolicy();

  it('explains a critical finding at its operating point', () => {
    const r = rankStudy(policy, input({ findings: [ptx(0.93)] }));
    expect(r.urgency).toBe('critical');
    expect(r.reason).toBe('Pneumothorax 0.93 ≥ 0.85 (balanced) → critical');
    expect(r.upsPriority).toBe('HIGH');
    expect(r.dueAt).toBe(T0 + policy.classes.critical.maxWaitMinutes * 60_000);
  });

  it('calls an all-negative study likely normal, but never below the order priority', () => {
    expect(rankStudy(policy, input({ findings: [ptx(0.1)] })).urgency).toBe('likely-normal');
    const stat = rankStudy(policy, input({ findings: [ptx(0.1)], orderPriority: 'stat' }));
    expect(stat.urgency).toBe('critical');
    expect(stat.reason).toBe('Order priority STAT → critical (floor)');
    expect(stat.explanation).toContain("AI likely-normal does not lower the order's critical");
  });

  it('keeps the order priority when the study is not analysable or has no model', () => {
    const r = rankStudy(policy, input({ aiStatus: 'not-analysable', aiStatusReason: 'lateral-view', orderPriority: 'HIGH' }));
    expect(r.urgency).toBe('urgent');
    expect(r.explanation).toContain('AI not-analysable (lateral-view): keeps order priority urgent');
    expect(rankStudy(policy, input({ aiStatus: 'no-model' })).urgency).toBe('routine');
  });

  it('floors emergency and ICU patients at urgent', () => {
    const r = rankStudy(policy, input({ patientLocation: 'ED Resus 2', findings: [ptx(0.2)] }));
    expect(r.locationKind).toBe('emergency');
    expect(r.urgency).toBe('urgent');
  });

  it('records follow-up findings with a due date', () => {
    const nodule: FindingEvidence = {
      key: 'nodule',
      display: 'Nodule',
      probability: 0.8,
      decisions: [{ name: 'balanced', threshold: 0.5, positive: true }],
    };
    const r = rankStudy(policy, input({ findings: [nodule] }));
    expect(r.followUps).toEqual([expect.objectContaining({ finding: 'nodule', dueDays: 90 })]);
  });

  it('documents the defaults exactly in docs/urgency-policy.example.yaml', () => {
    expect(loadPolicyFile(fileURLToPath(new URL('../../docs/urgency-policy.example.yaml', import.meta.url)))).toEqual(defaultPolicy());
  });

  it('rejects an invalid policy with the key and the reason', () => {
    expect(() => parsePolicy({ classes: { critical: { maxWaitMinutes: 500 } } })).toThrow(
      /classes.urgent: maxWaitMinutes must not be shorter/,
    );
    expect(() => parsePolicy({ findings: [{ finding: 'Pneumothorax', operatingPoint: 'x', urgency: 'critical' }] })).toThrow(/snake_case/);
    expect(() => parsePolicy({ bogus: 1 })).toThrow(/Unrecognized key/);
  });
});
