import { describe, expect, it } from 'vitest';
import { modelCardSchema } from '../inference/models/model-card.ts';
import { tinyCard } from '../inference/testing/tiny-package.ts';
import { evaluate, type ScoredImage } from './evaluation.ts';

const card = modelCardSchema.parse(tinyCard(32, 'a'.repeat(64), [0]));

function image(
  i: number,
  sex: 'M' | 'F',
  age: number,
  pneumothorax: 0 | 1 | null,
  p: number,
  status: ScoredImage['status'] = 'analysed',
): ScoredImage {
  return {
    row: {
      file: `${i}.png`,
      sex,
      age,
      view: 'PA',
      source: 'test',
      patientId: `p${i}`,
      labels: { pneumothorax, effusion: 0, cardiomegaly: 0 },
    },
    status,
    ...(status === 'not-analysable' ? { reason: 'lateral-view' } : {}),
    probs: status === 'analysed' ? { pneumothorax: p, effusion: 0.1, cardiomegaly: 0.1 } : {},
  };
}

describe('evaluate', () => {
  const scored = [
    image(1, 'F', 30, 1, 0.9),
    image(2, 'F', 35, 1, 0.45),
    image(3, 'F', 50, 0, 0.2),
    image(4, 'F', 55, 0, 0.1),
    image(5, 'M', 70, 1, 0.8),
    image(6, 'M', 72, 0, 0.6),
    image(7, 'M', 85, null, 0.7),
    image(8, 'M', 40, 1, 0.9, 'not-analysable'),
  ];
  const r = evaluate(card, scored, { resamples: 200 });

  it('counts images by outcome and leaves refused ones out of every metric', () => {
    expect(r.images).toEqual({ listed: 8, analysed: 7, notAnalysable: 1, failed: 0, missing: 0 });
    expect(r.notAnalysableReasons).toEqual({ 'lateral-view': 1 });
  });

  it('never reads an empty label as negative', () => {
    const ptx = r.findings.find((f) => f.key === 'pneumothorax');
    expect([ptx?.positives, ptx?.negatives, ptx?.unknown]).toEqual([3, 3, 1]);
    // positives 0.9, 0.45, 0.8 vs negatives 0.2, 0.1, 0.6: 8 of 9 pairs ordered
    expect(ptx?.auroc).toBeCloseTo(8 / 9, 12);
    const balanced = ptx?.operatingPoints.find((o) => o.name === 'balanced');
    expect([balanced?.sensitivity.k, balanced?.sensitivity.n, balanced?.specificity.k, balanced?.specificity.n]).toEqual([2, 3, 2, 3]);
  });

  it('reports underdiagnosis (diseased called all-negative at "balanced") per sex and age band', () => {
    const bySex = Object.fromEntries(r.subgroups.filter((s) => s.by === 'sex').map((s) => [s.group, s.underdiagnosis]));
    expect([bySex.F?.k, bySex.F?.n]).toEqual([1, 2]);
    expect([bySex.M?.k, bySex.M?.n]).toEqual([0, 1]);
    expect(r.subgroups.find((s) => s.group === '18-39')).toMatchObject({ images: 2, diseased: 2, normal: 0, auroc: null });
    expect(r.operatingPoint).toBe('balanced');
  });

  it('with a no_finding output, counts no_finding = 0 as diseased and reads "called normal" from p(no_finding)', () => {
    const withNf = modelCardSchema.parse({
      ...tinyCard(32, 'a'.repeat(64), [0]),
      findings: [
        {
          key: 'no_finding',
          index: 0,
          display: 'No finding',
          code: { system: 'http://snomed.info/sct', code: '260413007', display: 'None' },
          operatingPoints: [{ name: 'balanced', threshold: 0.5, sensitivity: 0.8, specificity: 0.8 }],
        },
        {
          key: 'cardiomegaly',
          index: 1,
          display: 'Cardiomegaly',
          code: { system: 'http://snomed.info/sct', code: '8186001', display: 'Cardiomegaly' },
          operatingPoints: [{ name: 'balanced', threshold: 0.5, sensitivity: 0.8, specificity: 0.8 }],
        },
      ],
    });
    const img = (i: number, nf: 0 | 1, pNf: number): ScoredImage => ({
      row: {
        file: `${i}`,
        sex: 'F',
        age: 50,
        view: 'PA',
        source: 't',
        patientId: `p${i}`,
        labels: { no_finding: nf, cardiomegaly: null, pneumonia: nf ? 0 : 1 },
      },
      status: 'analysed',
      probs: { no_finding: pNf, cardiomegaly: 0.1 },
    });
    const rep = evaluate(withNf, [img(1, 0, 0.7), img(2, 0, 0.2), img(3, 0, 0.1), img(4, 1, 0.9)], { resamples: 100 });
    const all = rep.subgroups.find((g) => g.by === 'all');
    expect(all).toMatchObject({ diseased: 3, normal: 1, auroc: 1 });
    expect([all?.underdiagnosis.k, all?.underdiagnosis.n]).toEqual([1, 3]);
  });
});
