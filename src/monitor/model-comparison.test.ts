import { describe, expect, it } from 'vitest';
import { modelCardSchema } from '../inference/models/model-card.ts';
import { tinyCard } from '../inference/testing/tiny-package.ts';
import type { ScoredImage } from './evaluation.ts';
import { compareModels, promotionDecision, type PairedFinding } from './model-comparison.ts';
import { seededRandom } from './metrics.ts';

const card = modelCardSchema.parse(tinyCard(32, 'a'.repeat(64), [0]));
const claimedKeys = card.findings.filter((f) => f.claimed).map((f) => f.key);

/** 120 patients; pneumothorax in a third; `score` gives each model's probability per image. */
function scored(score: (y: 0 | 1, r: number, key: string) => number, seed = 3): ScoredImage[] {
  const rand = seededRandom(seed);
  return Array.from({ length: 120 }, (_, i) => {
    const labels = Object.fromEntries(card.findings.map((f) => [f.key, (i + f.index) % 3 === 0 ? 1 : 0])) as Record<string, 0 | 1>;
    const r = rand();
    return {
      row: { file: `${i}.png`, sex: i % 2 ? 'F' : 'M', age: 30 + (i % 50), view: 'PA', source: 't', patientId: `p${i}`, labels },
      status: 'analysed' as const,
      probs: Object.fromEntries(card.findings.map((f) => [f.key, score(labels[f.key] ?? 0, r, f.key)])),
    };
  });
}

const weak = (y: 0 | 1, r: number): number => 0.5 * r + 0.2 * y;
const strong = (y: 0 | 1, r: number): number => 0.3 * r + 0.6 * y;

describe('compareModels (paired patient-level bootstrap)', () => {
  it('a model against itself: zero difference, CI [0, 0], not better, so promotion is refused', () => {
    const s = scored(weak);
    const c = compareModels(card, card, s, s, { resamples: 200 });
    for (const f of c.findings) {
      expect(f.difference).toBe(0);
      expect(f.ci95).toEqual([0, 0]);
      expect(f.verdict).toBe('not-worse');
    }
    expect(c.decision.promote).toBe(false);
    expect(c.decision.reasons).toEqual(['better on no claimed finding by the paired CI']);
  });

  it('a clearly stronger candidate is better on every finding and may be promoted', () => {
    const c = compareModels(card, card, scored(weak), scored(strong), { resamples: 300 });
    for (const f of c.findings) {
      expect(f.difference!).toBeGreaterThan(0);
      expect(f.ci95![0]).toBeGreaterThan(0);
      expect(f.verdict).toBe('better');
    }
    expect(c.decision).toEqual({ promote: true, judged: claimedKeys, reasons: [] });
  });

  it('worse on one claimed finding refuses, even when better on the others', () => {
    const key = claimedKeys[0] ?? '';
    const cand = scored((y, r, k) => (k === key ? 0.5 * r + 0.2 * (1 - y) : strong(y, r)));
    const c = compareModels(card, card, scored(weak), cand, { resamples: 300 });
    expect(c.findings.find((f) => f.key === key)?.verdict).toBe('worse');
    expect(c.decision.promote).toBe(false);
    expect(c.decision.reasons.some((r) => r.startsWith(`${key}: candidate worse`))).toBe(true);
  });

  it('compares only images both models analysed', () => {
    const live = scored(weak);
    const cand = scored(strong).map((s, i) => (i < 20 ? { ...s, status: 'not-analysable' as const, probs: {} } : s));
    expect(compareModels(card, card, live, cand, { resamples: 50 }).images).toEqual({ listed: 120, pairedAnalysed: 100 });
  });
});

describe('promotionDecision', () => {
  const f = (key: string, verdict: PairedFinding['verdict'], claimed = true): PairedFinding => ({
    key,
    claimedLive: claimed,
    claimedCandidate: false,
    positives: verdict === 'undetermined' ? 0 : 30,
    negatives: 90,
    live: 0.8,
    candidate: 0.8,
    difference: 0,
    ci95: verdict === 'undetermined' ? null : [0, 0],
    verdict,
  });
  it('a claimed finding the labels cannot judge refuses: no evidence is not non-inferiority', () => {
    const d = promotionDecision([f('pneumothorax', 'better'), f('effusion', 'undetermined')]);
    expect(d.promote).toBe(false);
    expect(d.reasons[0]).toContain('effusion: cannot show the candidate is not worse');
  });
  it('unclaimed findings do not count either way', () => {
    expect(promotionDecision([f('pneumothorax', 'better'), f('nodule', 'worse', false)]).promote).toBe(true);
  });
  it('nothing claimed: nothing to judge, refused', () => {
    expect(promotionDecision([f('nodule', 'better', false)]).promote).toBe(false);
  });
});
