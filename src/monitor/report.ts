import type { Config } from '../config/schema.ts';
import type { ModelCard } from '../inference/models/model-card.ts';
import type { Db } from '../store/db.ts';
import { biasAudit, type SubgroupRow } from './bias.ts';
import { loadCases, type MonitorCase } from './cases.ts';
import { driftHistograms, driftTable, gateByDay, type DriftRow, type GateDay, type HistogramBin } from './drift.ts';
import type { DriftAlert } from './drift-alerts.ts';
import type { TruthSource } from './ground-truth.ts';
import { performanceTable, type CardClaims, type FindingPerformance } from './performance.ts';
import { loadTurnaroundRows, turnaround, type TurnaroundGroup } from './turnaround.ts';

/** Everything a quality committee sees, as JSON: the same figures the HTML report plots. */
export interface MonitorReport {
  generatedAt: string;
  window: { from: string; to: string };
  reference: { from: string; to: string };
  filter: { modelId: string | null; modelVersion: string | null };
  truth: { prefer: TruthSource; studiesWithTruth: number; labels: Record<TruthSource, number> };
  studies: { cases: number; analysed: number; notAnalysable: number; models: string[] };
  performance: FindingPerformance[];
  subgroups: SubgroupRow[];
  drift: DriftRow[];
  histograms: HistogramBin[];
  gate: GateDay[];
  turnaround: { splitAt: string | null; groups: TurnaroundGroup[] };
  driftAlerts: DriftAlert[];
  method: Record<string, string>;
}

export interface ReportOptions {
  from: number;
  to: number;
  modelId?: string | undefined;
  modelVersion?: string | undefined;
  /** Reference window for drift; default the `referenceDays` before `from`. */
  referenceFrom?: number | undefined;
  referenceTo?: number | undefined;
  splitAt?: number | undefined;
  resamples?: number | undefined;
  seed?: number | undefined;
  cards?: readonly ModelCard[];
  readTags?: ((filePath: string) => Promise<Record<string, string>>) | undefined;
  driftAlerts?: DriftAlert[];
  now: number;
}

/** AUROC claims of the cards: the internal test set's figure, else validation. */
export function claimsOf(cards: readonly ModelCard[]): CardClaims {
  const out = new Map<string, Map<string, { value: number; set: string }>>();
  for (const card of cards) {
    const m = new Map<string, { value: number; set: string }>();
    for (const f of card.findings) {
      for (const set of ['internal', 'validation']) {
        const v = f.evaluation?.[set]?.auroc;
        if (typeof v === 'number') {
          m.set(f.key, { value: v, set });
          break;
        }
      }
    }
    out.set(`${card.id}@${card.version}`, m);
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function truthCounts(cases: readonly MonitorCase[]): MonitorReport['truth']['labels'] {
  const seen = new Set<string>();
  const labels: Record<TruthSource, number> = { import: 0, verdict: 0 };
  for (const c of cases) {
    if (seen.has(c.studyUid)) continue;
    seen.add(c.studyUid);
    for (const l of c.truth.values()) labels[l.source]++;
  }
  return labels;
}

/** Builds the monitoring report over [from, to) from the store. */
export async function buildMonitorReport(db: Db, cfg: Config['monitor'], o: ReportOptions): Promise<MonitorReport> {
  const refTo = o.referenceTo ?? o.from;
  const refFrom = o.referenceFrom ?? refTo - cfg.drift.referenceDays * 86_400_000;
  const q = { modelId: o.modelId, modelVersion: o.modelVersion, prefer: cfg.truthPrefer, readTags: o.readTags };
  const cases = await loadCases(db, { ...q, from: o.from, to: o.to });
  const reference = await loadCases(db, { ...q, from: refFrom, to: refTo });
  const boot = { resamples: o.resamples ?? 1000, seed: o.seed ?? 20261129 };
  const withTruth = new Set(cases.filter((c) => c.truth.size > 0).map((c) => c.studyUid));
  return {
    generatedAt: iso(o.now),
    window: { from: iso(o.from), to: iso(o.to) },
    reference: { from: iso(refFrom), to: iso(refTo) },
    filter: { modelId: o.modelId ?? null, modelVersion: o.modelVersion ?? null },
    truth: { prefer: cfg.truthPrefer, studiesWithTruth: withTruth.size, labels: truthCounts(cases) },
    studies: {
      cases: cases.length,
      analysed: cases.filter((c) => c.status === 'analysed').length,
      notAnalysable: cases.filter((c) => c.status === 'not-analysable').length,
      models: [...new Set(cases.map((c) => `${c.model.id}@${c.model.version}${c.model.shadow ? ' (shadow)' : ''}`))].sort(),
    },
    performance: performanceTable(cases, { ...boot, claims: claimsOf(o.cards ?? []) }),
    subgroups: biasAudit(cases, {
      operatingPoint: cfg.bias.operatingPoint,
      margin: cfg.bias.margin,
      minCount: cfg.bias.minCount,
      tags: cfg.bias.tags,
      resamples: Math.min(boot.resamples, 500),
      seed: boot.seed,
    }),
    drift: driftTable(reference, cases, cfg.drift),
    histograms: driftHistograms(reference, cases),
    gate: gateByDay(cases),
    turnaround: {
      splitAt: o.splitAt === undefined ? null : iso(o.splitAt),
      groups: turnaround(await loadTurnaroundRows(db, o.from, o.to), o.splitAt),
    },
    driftAlerts: o.driftAlerts ?? [],
    method: {
      unit: 'one study as one model version read it; its probability is the highest over its analysed images (no_finding: the lowest)',
      truth: `imported labels (readfirst labels import) and signed verdicts (agree keeps the AI call, disagree flips it, uncertain is unknown, missed findings are present); "${cfg.truthPrefer}" wins when both label a finding; unknown labels are left out, never negative`,
      auroc: `Mann-Whitney with mid-ranks; 95% CI by percentile bootstrap over patients, ${boot.resamples} resamples, seed ${boot.seed}`,
      rates: "Wilson score 95% intervals; gaps between groups by Newcombe's hybrid score interval",
      claims: 'below-claim: a live figure under the model card\'s; "significant" when the live 95% CI lies wholly below',
      calibration: 'ECE over 10 equal-width bins (Guo et al. 2017)',
      bias: `abnormal = a claimed finding present or no_finding = 0; normal = no_finding = 1 or every claimed finding absent; called normal at "${cfg.bias.operatingPoint}"; underdiagnosis = diseased called normal (Seyyed-Kalantari et al. 2021); flag when a group is worse than the rest by more than ${cfg.bias.margin}; groups with fewer than ${cfg.bias.minCount} diseased or normal studies get a note`,
      drift: `reference window vs current window; PSI on the reference's deciles (drift at ≥ ${cfg.drift.psiThreshold}), two-sample KS (drift at p < ${cfg.drift.ksPValue} with D ≥ 0.1); fewer than ${cfg.drift.minCount} in a window: not judged`,
      excluded: 'studies the quality gate refused are counted (gate table) and left out of every performance metric',
    },
  };
}
