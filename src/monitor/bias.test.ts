import { describe, expect, it } from 'vitest';
import { abnormalTruth, biasAudit, calledNormal, newcombeDiff } from './bias.ts';
import { rate } from './metrics.ts';
import { syntheticCases } from './testing.ts';

describe('subgroup bias audit', () => {
  it('flags exactly the subgroup with a planted lower sensitivity, and nothing in an even population', () => {
    const planted = syntheticCases({ n: 2400, seed: 41, sensitivityByManufacturer: { Corex: 0.55 } });
    const rows = biasAudit(planted, { margin: 0.1, minCount: 20, resamples: 30 });
    const flagged = rows.filter((r) => r.flags.length > 0);
    expect(flagged.map((r) => `${r.dimension}:${r.group}`)).toEqual(['manufacturer:Corex']);
    const corex = flagged[0]!;
    expect(corex.flags.map((f) => f.metric).sort()).toEqual(['auroc', 'sensitivity', 'underdiagnosis']);
    expect(corex.flags.every((f) => f.significant)).toBe(true);
    expect(corex.sensitivity.value!).toBeGreaterThan(0.45);
    expect(corex.sensitivity.value!).toBeLessThan(0.65);
    // the sensitivity and underdiagnosis of one group add up, with the same counts
    expect(corex.sensitivity.k + corex.underdiagnosis.k).toBe(corex.diseased);

    const even = biasAudit(syntheticCases({ n: 2400, seed: 41 }), { margin: 0.1, minCount: 20, resamples: 30 });
    expect(even.filter((r) => r.flags.length > 0)).toEqual([]);
  });

  it('lists intersections where counts allow and notes groups too small to judge', () => {
    const cases = syntheticCases({ n: 400, seed: 7 });
    cases[0]!.attrs.station = 'ROOM-1';
    for (const c of cases.slice(1)) c.attrs.station = 'ROOM-2';
    const rows = biasAudit(cases, { minCount: 20, resamples: 50 });
    const room1 = rows.find((r) => r.dimension === 'station' && r.group === 'ROOM-1');
    expect(room1?.note).toMatch(/too few to judge/);
    expect(room1?.flags).toEqual([]);
    const inter = rows.filter((r) => r.dimension === 'sex×age');
    expect(inter.length).toBeGreaterThan(0);
    expect(inter.every((r) => r.diseased >= 20 && r.normal >= 20)).toBe(true);
    expect(rows.find((r) => r.dimension === 'all')?.studies).toBe(400);
  });

  it('underdiagnosis follows the definition: diseased and p(no finding) at or above the threshold', () => {
    const [c] = syntheticCases({ n: 1, seed: 3, prevalence: 1 });
    c!.probs.no_finding = 0.5;
    expect(abnormalTruth(c!)).toBe(1);
    expect(calledNormal(c!, 'balanced')).toBe(true);
    c!.probs.no_finding = 0.49;
    expect(calledNormal(c!, 'balanced')).toBe(false);
  });

  it("Newcombe's interval of a difference matches the published example (56/70 − 48/80: 0.0524 to 0.3339)", () => {
    const ci = newcombeDiff(rate(56, 70), rate(48, 80));
    expect(ci?.[0]).toBeCloseTo(0.0524, 3);
    expect(ci?.[1]).toBeCloseTo(0.3339, 3);
  });
});
