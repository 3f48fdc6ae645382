import { describe, expect, it } from 'vitest';
import type { MonitorCase } from './cases.ts';
import { findingPerformance, performanceTable } from './performance.ts';
import { syntheticCases } from './testing.ts';

/** Eight studies with hand-set effusion scores and labels; the balanced point at 0.5, claimed sensitivity 0.9. */
function handCases(): MonitorCase[] {
  const scores = [0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.1];
  const labels: (0 | 1)[] = [1, 1, 1, 1, 0, 0, 0, 0];
  return syntheticCases({ n: 8, seed: 1 }).map((c, i) => ({
    ...c,
    probs: { effusion: scores[i] ?? 0 },
    claimed: ['effusion'],
    points: { effusion: [{ name: 'balanced', threshold: 0.5, sensitivity: 0.9, specificity: 0.7 }] },
    truth: new Map([['effusion', { value: labels[i] ?? 0, source: i < 6 ? 'import' : 'verdict' }]]),
  }));
}

describe('live performance per finding', () => {
  it('matches a hand-worked table: AUROC, confusion, PPV/NPV, label sources and the below-claim flag', () => {
    const p = findingPerformance(handCases(), 'effusion', {
      resamples: 200,
      seed: 3,
      claims: new Map([['synthetic@1.0.0', new Map([['effusion', { value: 0.95, set: 'internal' }]])]]),
    });
    // pairs (pos > neg): 0.9 and 0.8 beat all 4; 0.6 beats 3 (not 0.7); 0.3 beats 2 → 13/16
    expect(p.auroc).toBeCloseTo(13 / 16, 12);
    expect([p.positives, p.negatives, p.unknown]).toEqual([4, 4, 0]);
    expect(p.sources).toEqual({ import: 6, verdict: 2 });
    const op = p.operatingPoints[0]!;
    expect(op.confusion).toEqual({ tp: 3, fn: 1, fp: 1, tn: 3 });
    expect([op.sensitivity.value, op.specificity.value, op.ppv.value, op.npv.value]).toEqual([0.75, 0.75, 0.75, 0.75]);
    // sensitivity 0.75 < the card's 0.9, within noise at n = 4; AUROC below the card's 0.95
    expect(p.flags.map((f) => [f.metric, f.significant])).toEqual([
      ['AUROC', false],
      ['sensitivity@balanced', false],
    ]);
    expect(findingPerformance(handCases(), 'effusion', { resamples: 200, seed: 3 }).ci95).toEqual(p.ci95);
  });

  it('flags a significant shortfall, never flags an unclaimed output, and separates model versions', () => {
    const weak = syntheticCases({ n: 600, seed: 9, sensitivity: 0.6 }).map((c) => ({
      ...c,
      points: { ...c.points, no_finding: [{ name: 'balanced', threshold: 0.5, sensitivity: 0.9, specificity: 0.8 }] },
    }));
    const nf = findingPerformance(weak, 'no_finding', { resamples: 100 });
    // no_finding "positive" = called normal; its specificity is the sensitivity of abnormal: 0.6 planted, the card says 0.8
    expect(nf.flags.some((f) => f.metric === 'specificity@balanced' && f.significant)).toBe(true);
    const unclaimed = weak.map((c) => ({ ...c, claimed: ['effusion'] }));
    expect(findingPerformance(unclaimed, 'no_finding', { resamples: 50 }).flags).toEqual([]);
    const two = [
      ...syntheticCases({ n: 50, seed: 1 }),
      ...syntheticCases({ n: 50, seed: 2, model: { id: 'synthetic', version: '2.0.0' } }),
    ];
    expect(performanceTable(two, { resamples: 50 }).map((p) => `${p.model.version}/${p.finding}`)).toEqual([
      '1.0.0/effusion',
      '1.0.0/no_finding',
      '2.0.0/effusion',
      '2.0.0/no_finding',
    ]);
  });
});
