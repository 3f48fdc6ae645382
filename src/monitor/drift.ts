import type { MonitorCase } from './cases.ts';
import { ksTwoSample, psi, psiCategorical } from './drift-stats.ts';
import { byModelVersion } from './performance.ts';

/**
 * Drift of one model version between a reference window and the current window: output-score
 * distributions per finding, input statistics (image size, the quality gate's pixel measures)
 * and the manufacturer and view mix, by PSI (and KS for numeric data); gate rejection rates per
 * day. A subject drifts when PSI ≥ psiThreshold, or KS p < ksPValue with D ≥ ksMinD.
 */
export interface DriftOptions {
  psiThreshold?: number;
  ksPValue?: number;
  ksMinD?: number;
  /** Fewer cases than this in either window: not judged. */
  minCount?: number;
}

export interface DriftRow {
  model: { id: string; version: string };
  /** e.g. "score:effusion", "input:rows", "input:std", "mix:manufacturer", "gate:rejection-rate". */
  subject: string;
  reference: number;
  current: number;
  psi: number | null;
  ks: { d: number; pValue: number } | null;
  drifted: boolean;
  note: string | null;
}

export interface GateDay {
  model: { id: string; version: string };
  day: string;
  studies: number;
  rejected: number;
  reasons: Record<string, number>;
}

const DAY = 86_400_000;

function numericRow(model: DriftRow['model'], subject: string, ref: number[], cur: number[], o: Required<DriftOptions>): DriftRow {
  const base = { model, subject, reference: ref.length, current: cur.length };
  if (ref.length < o.minCount || cur.length < o.minCount)
    return { ...base, psi: null, ks: null, drifted: false, note: `too few to judge (needs ${o.minCount} in each window)` };
  const p = psi(ref, cur);
  const ks = ksTwoSample(ref, cur);
  const drifted = (p !== null && p >= o.psiThreshold) || (ks !== null && ks.pValue < o.ksPValue && ks.d >= o.ksMinD);
  return { ...base, psi: p, ks, drifted, note: null };
}

function mixRow(
  model: DriftRow['model'],
  subject: string,
  ref: (string | null)[],
  cur: (string | null)[],
  o: Required<DriftOptions>,
): DriftRow {
  const count = (xs: (string | null)[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const x of xs) out[x ?? '(none)'] = (out[x ?? '(none)'] ?? 0) + 1;
    return out;
  };
  const base = { model, subject, reference: ref.length, current: cur.length, ks: null };
  if (ref.length < o.minCount || cur.length < o.minCount)
    return { ...base, psi: null, drifted: false, note: `too few to judge (needs ${o.minCount} in each window)` };
  const p = psiCategorical(count(ref), count(cur));
  return { ...base, psi: p, drifted: p !== null && p >= o.psiThreshold, note: null };
}

/** Drift rows for every model version present in the current window. */
export function driftTable(reference: readonly MonitorCase[], current: readonly MonitorCase[], opts: DriftOptions = {}): DriftRow[] {
  const o: Required<DriftOptions> = { psiThreshold: 0.25, ksPValue: 0.01, ksMinD: 0.1, minCount: 30, ...opts };
  const refBy = byModelVersion(reference);
  const rows: DriftRow[] = [];
  for (const [key, cur] of byModelVersion(current)) {
    const ref = refBy.get(key) ?? [];
    const model = { id: cur[0]?.model.id ?? '', version: cur[0]?.model.version ?? '' };
    const refA = ref.filter((c) => c.status === 'analysed');
    const curA = cur.filter((c) => c.status === 'analysed');
    const findings = [...new Set(curA.flatMap((c) => Object.keys(c.probs)))].sort();
    for (const f of findings) {
      const vals = (cs: MonitorCase[]): number[] => cs.flatMap((c) => (c.probs[f] === undefined ? [] : [c.probs[f]]));
      rows.push(numericRow(model, `score:${f}`, vals(refA), vals(curA), o));
    }
    const inputs = (cs: MonitorCase[]) => cs.flatMap((c) => c.inputs);
    const measureKeys = [...new Set(inputs(curA).flatMap((i) => Object.keys(i.measures)))].sort();
    const sizes: ['rows' | 'columns', string][] = [
      ['rows', 'input:rows'],
      ['columns', 'input:columns'],
    ];
    for (const [k, subject] of sizes) {
      const vals = (cs: MonitorCase[]): number[] => inputs(cs).flatMap((i) => (i[k] === null ? [] : [i[k]]));
      rows.push(numericRow(model, subject, vals(refA), vals(curA), o));
    }
    for (const m of measureKeys) {
      const vals = (cs: MonitorCase[]): number[] => inputs(cs).flatMap((i) => (i.measures[m] === undefined ? [] : [i.measures[m]]));
      rows.push(numericRow(model, `input:${m}`, vals(refA), vals(curA), o));
    }
    rows.push(
      mixRow(
        model,
        'mix:manufacturer',
        ref.map((c) => c.attrs.manufacturer),
        cur.map((c) => c.attrs.manufacturer),
        o,
      ),
    );
    rows.push(
      mixRow(
        model,
        'mix:view',
        ref.map((c) => c.attrs.view),
        cur.map((c) => c.attrs.view),
        o,
      ),
    );
    rows.push(
      mixRow(
        model,
        'gate:outcome',
        ref.map((c) => (c.status === 'analysed' ? 'analysed' : `refused:${c.gateReasons[0] ?? 'unknown'}`)),
        cur.map((c) => (c.status === 'analysed' ? 'analysed' : `refused:${c.gateReasons[0] ?? 'unknown'}`)),
        o,
      ),
    );
  }
  return rows;
}

/** Quality-gate rejections per UTC day and model version (a study counts as rejected when no image of it was analysed). */
export function gateByDay(cases: readonly MonitorCase[]): GateDay[] {
  const out = new Map<string, GateDay>();
  for (const c of cases) {
    const day = new Date(Math.floor(c.at / DAY) * DAY).toISOString().slice(0, 10);
    const key = `${c.model.id}@${c.model.version}|${day}`;
    let g = out.get(key);
    if (!g) out.set(key, (g = { model: { id: c.model.id, version: c.model.version }, day, studies: 0, rejected: 0, reasons: {} }));
    g.studies++;
    if (c.status === 'not-analysable') {
      g.rejected++;
      for (const r of c.gateReasons) g.reasons[r] = (g.reasons[r] ?? 0) + 1;
    }
  }
  return [...out.values()].sort((a, b) => a.day.localeCompare(b.day) || a.model.id.localeCompare(b.model.id));
}

export interface HistogramBin {
  model: string;
  subject: string;
  window: 'reference' | 'current';
  lo: number;
  hi: number;
  share: number;
}

/** Histograms of output scores and input measures on 20 shared bins, reference against current, for the plots. */
export function driftHistograms(reference: readonly MonitorCase[], current: readonly MonitorCase[], bins = 20): HistogramBin[] {
  const out: HistogramBin[] = [];
  const refBy = byModelVersion(reference);
  for (const [model, cur] of byModelVersion(current)) {
    const sets: [string, (c: MonitorCase) => number[]][] = [];
    for (const f of [...new Set(cur.flatMap((c) => c.claimed))].sort())
      sets.push([`score:${f}`, (c) => (c.probs[f] === undefined ? [] : [c.probs[f]])]);
    for (const m of ['std', 'whiteFraction', 'blackFraction'])
      sets.push([`input:${m}`, (c) => c.inputs.flatMap((i) => (i.measures[m] === undefined ? [] : [i.measures[m]]))]);
    for (const [subject, pick] of sets) {
      const r = (refBy.get(model) ?? []).filter((c) => c.status === 'analysed').flatMap(pick);
      const c = cur.filter((x) => x.status === 'analysed').flatMap(pick);
      const all = [...r, ...c];
      if (all.length === 0) continue;
      const lo = subject.startsWith('score:') ? 0 : Math.min(...all);
      const hi = subject.startsWith('score:') ? 1 : Math.max(...all);
      const w = (hi - lo) / bins || 1;
      for (const [window, vals] of [
        ['reference', r],
        ['current', c],
      ] as const) {
        const counts = new Array<number>(bins).fill(0);
        for (const v of vals) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]! += 1;
        counts.forEach((n, i) =>
          out.push({ model, subject, window, lo: lo + i * w, hi: lo + (i + 1) * w, share: vals.length ? n / vals.length : 0 }),
        );
      }
    }
  }
  return out;
}
