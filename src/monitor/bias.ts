import type { MonitorCase } from './cases.ts';
import { AGE_BANDS } from './evaluation.ts';
import { auroc, aurocWithCi, rate, type Rate } from './metrics.ts';
import { byModelVersion } from './performance.ts';

/**
 * Subgroup bias audit (after Seyyed-Kalantari et al. 2021, Nat Med 27:2176): per subgroup the
 * sensitivity and specificity of "abnormal" at the operating point, the AUROC of the abnormality
 * score, and the underdiagnosis rate (diseased studies called no finding), each with a 95% CI
 * and its counts; a gap to the rest of the population wider than the margin is flagged.
 */
export type Dimension =
  'all' | 'sex' | 'age' | 'manufacturer' | 'manufacturer-model' | 'station' | 'site' | 'view' | `tag:${string}` | `${string}×${string}`;

export interface BiasOptions {
  /** Operating point of "called normal / abnormal" (default balanced). */
  operatingPoint?: string;
  /** A gap to the rest wider than this (absolute, in rate or AUROC units) is flagged. */
  margin?: number;
  /** Groups with fewer diseased (or normal) studies than this get a note instead of a flag. */
  minCount?: number;
  /** Extra DICOM tag keywords to split on (read into CaseAttributes.tags). */
  tags?: readonly string[];
  /** Intersections to audit where counts allow, e.g. [['sex', 'age']]. */
  intersections?: readonly (readonly [Dimension, Dimension])[];
  resamples?: number;
  seed?: number;
}

export interface DisparityFlag {
  metric: 'sensitivity' | 'specificity' | 'underdiagnosis' | 'auroc';
  group: number;
  rest: number;
  /** group − rest, oriented so that a positive number is worse for the group. */
  gap: number;
  /** Newcombe's hybrid-score 95% CI of the difference (proportions only). */
  ci95: [number, number] | null;
  significant: boolean;
  message: string;
}

export interface SubgroupRow {
  model: { id: string; version: string };
  dimension: Dimension;
  group: string;
  studies: number;
  diseased: number;
  normal: number;
  sensitivity: Rate;
  specificity: Rate;
  underdiagnosis: Rate;
  auroc: number | null;
  ci95: [number, number] | null;
  note: string | null;
  flags: DisparityFlag[];
}

const NO_FINDING = 'no_finding';

/** Abnormal vs normal from the labels, as in `readfirst eval`: null when the labels cannot tell. */
export function abnormalTruth(c: MonitorCase): 0 | 1 | null {
  const disease = c.claimed.filter((k) => k !== NO_FINDING);
  if (disease.some((k) => c.truth.get(k)?.value === 1)) return 1;
  const nf = c.truth.get(NO_FINDING);
  if (c.claimed.includes(NO_FINDING) && nf?.value === 0) return 1;
  if (nf?.value === 1 || (disease.length > 0 && disease.every((k) => c.truth.get(k)?.value === 0))) return 0;
  return null;
}

/** The abnormality score: 1 − p(no finding) when the model has that output, else its highest claimed finding. */
export function abnormalScore(c: MonitorCase): number {
  if (c.claimed.includes(NO_FINDING)) return 1 - (c.probs[NO_FINDING] ?? 1);
  return Math.max(0, ...c.claimed.map((k) => c.probs[k] ?? 0));
}

/** Called "no finding" at the operating point. */
export function calledNormal(c: MonitorCase, op: string): boolean {
  const at = (k: string): number => c.points[k]?.find((p) => p.name === op)?.threshold ?? Infinity;
  if (c.claimed.includes(NO_FINDING)) return (c.probs[NO_FINDING] ?? 0) >= at(NO_FINDING);
  return c.claimed.every((k) => (c.probs[k] ?? 0) < at(k));
}

function groupOf(c: MonitorCase, d: Dimension): string | null {
  if (d.includes('×')) {
    const [a, b] = d.split('×') as [Dimension, Dimension];
    const ga = groupOf(c, a);
    const gb = groupOf(c, b);
    return ga && gb ? `${ga} × ${gb}` : null;
  }
  if (d.startsWith('tag:')) return c.attrs.tags[d.slice(4)] ?? null;
  switch (d) {
    case 'sex':
      return c.attrs.sex === 'F' || c.attrs.sex === 'M' ? c.attrs.sex : null;
    case 'age': {
      const age = c.attrs.ageYears;
      return age === null ? null : (AGE_BANDS.find(([, lo, hi]) => age >= lo && age < hi)?.[0] ?? null);
    }
    case 'manufacturer':
      return c.attrs.manufacturer;
    case 'manufacturer-model':
      return c.attrs.manufacturer && c.attrs.manufacturerModel ? `${c.attrs.manufacturer} ${c.attrs.manufacturerModel}` : null;
    case 'station':
      return c.attrs.station;
    case 'site':
      return c.attrs.institution;
    case 'view':
      return c.attrs.view;
    case 'all':
      return 'all';
    default:
      return null;
  }
}

/** Newcombe 1998 method 10: 95% CI of p1 − p2 from the two Wilson intervals. */
export function newcombeDiff(a: Rate, b: Rate): [number, number] | null {
  if (a.value === null || b.value === null || !a.ci95 || !b.ci95) return null;
  const d = a.value - b.value;
  return [
    d - Math.sqrt((a.value - a.ci95[0]) ** 2 + (b.ci95[1] - b.value) ** 2),
    d + Math.sqrt((a.ci95[1] - a.value) ** 2 + (b.value - b.ci95[0]) ** 2),
  ];
}

interface Stats {
  studies: number;
  diseased: number;
  normal: number;
  sensitivity: Rate;
  specificity: Rate;
  underdiagnosis: Rate;
  auroc: number | null;
  ci95: [number, number] | null;
}

interface Judged {
  truth: 0 | 1 | null;
  score: number;
  normal: boolean;
}

function statsOf(
  members: readonly MonitorCase[],
  judge: (c: MonitorCase) => Judged,
  boot: { resamples: number; seed: number } | null,
): Stats {
  const judged = members.filter((c) => judge(c).truth !== null);
  const diseased = judged.filter((c) => judge(c).truth === 1);
  const normal = judged.filter((c) => judge(c).truth === 0);
  const missed = diseased.filter((c) => judge(c).normal).length;
  const p = judged.map((c) => judge(c).score);
  const y = judged.map((c) => judge(c).truth as 0 | 1);
  const { auroc: a, ci95: ci } = boot
    ? aurocWithCi(p, y, { ...boot, clusters: judged.map((c) => c.patientKey) })
    : { auroc: auroc(p, y), ci95: null };
  return {
    studies: members.length,
    diseased: diseased.length,
    normal: normal.length,
    sensitivity: rate(diseased.length - missed, diseased.length),
    specificity: rate(normal.filter((c) => judge(c).normal).length, normal.length),
    underdiagnosis: rate(missed, diseased.length),
    auroc: a,
    ci95: ci,
  };
}

function disparities(g: Stats, rest: Stats, margin: number): DisparityFlag[] {
  const out: DisparityFlag[] = [];
  const prop = (metric: 'sensitivity' | 'specificity' | 'underdiagnosis', worseIsHigher: boolean): void => {
    const a = g[metric];
    const b = rest[metric];
    if (a.value === null || b.value === null) return;
    const gap = worseIsHigher ? a.value - b.value : b.value - a.value;
    if (gap <= margin) return;
    const ci = newcombeDiff(a, b);
    const significant = ci !== null && (ci[0] > 0 || ci[1] < 0);
    out.push({
      metric,
      group: a.value,
      rest: b.value,
      gap,
      ci95: ci,
      significant,
      message: `${metric} ${a.value.toFixed(3)} vs ${b.value.toFixed(3)} in the rest: gap ${gap.toFixed(3)} > margin ${margin}${significant ? '' : ' (CI of the difference includes 0)'}`,
    });
  };
  prop('sensitivity', false);
  prop('specificity', false);
  prop('underdiagnosis', true);
  if (g.auroc !== null && rest.auroc !== null && rest.auroc - g.auroc > margin) {
    // The group's bootstrap interval lies wholly below the rest's estimate.
    const significant = g.ci95 !== null && g.ci95[1] < rest.auroc;
    out.push({
      metric: 'auroc',
      group: g.auroc,
      rest: rest.auroc,
      gap: rest.auroc - g.auroc,
      ci95: null,
      significant,
      message: `AUROC ${g.auroc.toFixed(3)} vs ${rest.auroc.toFixed(3)} in the rest: gap ${(rest.auroc - g.auroc).toFixed(3)} > margin ${margin}${significant ? '' : " (within the group's CI)"}`,
    });
  }
  return out;
}

/** The audit of every model version: one row per subgroup (and intersection where counts allow). */
export function biasAudit(cases: readonly MonitorCase[], opts: BiasOptions = {}): SubgroupRow[] {
  const op = opts.operatingPoint ?? 'balanced';
  const margin = opts.margin ?? 0.05;
  const minCount = opts.minCount ?? 20;
  const boot = { resamples: opts.resamples ?? 500, seed: opts.seed ?? 20261129 };
  const dims: Dimension[] = [
    'sex',
    'age',
    'manufacturer',
    'manufacturer-model',
    'station',
    'site',
    'view',
    ...(opts.tags ?? []).map((t): Dimension => `tag:${t}`),
  ];
  const inter: Dimension[] = (opts.intersections ?? [['sex', 'age']]).map(([a, b]): Dimension => `${a}×${b}`);
  const rows: SubgroupRow[] = [];
  const memo = new Map<MonitorCase, Judged>();
  const judge = (c: MonitorCase): Judged => {
    let j = memo.get(c);
    if (!j) memo.set(c, (j = { truth: abnormalTruth(c), score: abnormalScore(c), normal: calledNormal(c, op) }));
    return j;
  };
  for (const group of byModelVersion(cases).values()) {
    const analysed = group.filter((c) => c.status === 'analysed');
    const model = { id: group[0]?.model.id ?? '', version: group[0]?.model.version ?? '' };
    rows.push({ model, dimension: 'all', group: 'all', ...statsOf(analysed, judge, boot), note: null, flags: [] });
    for (const d of [...dims, ...inter]) {
      const groups = new Map<string, MonitorCase[]>();
      for (const c of analysed) {
        const g = groupOf(c, d);
        if (g === null) continue;
        const list = groups.get(g);
        if (list) list.push(c);
        else groups.set(g, [c]);
      }
      if (groups.size < 2 && !d.includes('×')) continue;
      for (const [name, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
        const rest = [...groups].filter(([n]) => n !== name).flatMap(([, m]) => m);
        const small = d.includes('×');
        const s = statsOf(members, judge, small ? null : boot);
        const enough = s.diseased >= minCount && s.normal >= minCount;
        // Intersections are listed only where counts allow; single dimensions always, with a note.
        if (small && !enough) continue;
        rows.push({
          model,
          dimension: d,
          group: name,
          ...s,
          note: enough ? null : `too few to judge (${s.diseased} diseased, ${s.normal} normal; needs ${minCount} of each)`,
          flags: enough && rest.length > 0 ? disparities(s, statsOf(rest, judge, null), margin) : [],
        });
      }
    }
  }
  return rows;
}
