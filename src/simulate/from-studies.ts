import type { ModelPackage } from '../inference/models/model-package.ts';
import { loadCases } from '../monitor/cases.ts';
import type { LabelRow } from '../monitor/labels-csv.ts';
import { scoreLabelledFolder } from '../monitor/score-folder.ts';
import type { Db } from '../store/db.ts';
import { builtinScenario, dailyShifts, type Scenario, type ScenarioStudy } from './scenario.ts';

const DAY = 86_400_000;
const DEFAULT_READ_MS = 4 * 60_000;

/**
 * The studies this server actually received in [from, to): arrival times, order priority and
 * location from the worklist, the model's stored probabilities, truth from the ground truth
 * (findings labelled present; a study without any label counts as having none, and is counted),
 * read times from the signed readings (else 4 minutes). Times are hours since the first arrival's
 * UTC midnight, read by the built-in roster repeated each day.
 */
export async function scenarioFromStore(
  db: Db,
  o: { from: number; to: number; modelId?: string; radiologists?: number },
): Promise<{ scenario: Scenario; withoutTruth: number }> {
  const items = await db.query<{
    study_instance_uid: string;
    arrived_at: number | string;
    order_priority: string | null;
    patient_location: string | null;
    reading_ms: number | string | null;
  }>(
    `SELECT w.study_instance_uid, w.arrived_at, w.order_priority, w.patient_location,
            (SELECT MIN(r.reading_ms) FROM readings r WHERE r.study_uid = w.study_instance_uid AND r.status = 'signed') AS reading_ms
     FROM worklist_items w WHERE w.arrived_at >= $1 AND w.arrived_at < $2 ORDER BY w.arrived_at, w.study_instance_uid`,
    [o.from, o.to],
  );
  const cases = await loadCases(db, { from: o.from - DAY, to: o.to + DAY, modelId: o.modelId });
  const byStudy = new Map(cases.filter((c) => !c.model.shadow).map((c) => [c.studyUid, c]));
  const t0 = Math.floor(Number(items[0]?.arrived_at ?? o.from) / DAY) * DAY;
  let withoutTruth = 0;
  const studies: ScenarioStudy[] = items.map((w) => {
    const c = byStudy.get(w.study_instance_uid);
    if (!c || c.truth.size === 0) withoutTruth++;
    return {
      id: w.study_instance_uid,
      arrivedAt: Number(w.arrived_at) - t0,
      orderPriority: w.order_priority,
      patientLocation: w.patient_location,
      truth: c ? [...c.truth].filter(([k, l]) => l.value === 1 && k !== 'no_finding').map(([k]) => k) : [],
      ...(c && c.status === 'analysed' ? { scores: c.probs } : {}),
      readMs: w.reading_ms === null ? DEFAULT_READ_MS : Number(w.reading_ms),
    };
  });
  const days = Math.max(1, Math.ceil((Number(items[items.length - 1]?.arrived_at ?? t0) - t0) / DAY));
  return {
    scenario: {
      name: 'from-studies',
      description: `${studies.length} studies received ${new Date(o.from).toISOString().slice(0, 10)} to ${new Date(o.to).toISOString().slice(0, 10)}, read by the built-in roster each day`,
      studies,
      shifts: dailyShifts(days, o.radiologists),
    },
    withoutTruth,
  };
}

/**
 * A labelled folder run through the real model: each image takes the place of one study of the
 * built-in day (its arrival, order priority and location), with the model's probabilities and
 * the labels' findings as truth.
 */
export async function scenarioFromLabelledFolder(
  pkg: ModelPackage,
  folder: string,
  rows: readonly LabelRow[],
  o: { seed: number; radiologists: number },
): Promise<{ scenario: Scenario; refused: number }> {
  const scored = await scoreLabelledFolder(pkg, folder, rows, { progressEvery: 100 });
  const day = builtinScenario({ seed: o.seed, studies: scored.length, radiologists: o.radiologists });
  const studies = day.studies.map((s, i): ScenarioStudy => {
    const img = scored[i];
    const truth = img
      ? Object.entries(img.row.labels)
          .filter(([k, v]) => v === 1 && k !== 'no_finding')
          .map(([k]) => k)
      : [];
    return { ...s, truth, ...(img?.status === 'analysed' ? { scores: img.probs } : {}) };
  });
  return {
    scenario: {
      ...day,
      name: 'labelled-folder',
      description: `${studies.length} labelled images from ${folder} scored by ${pkg.card.id}@${pkg.card.version}, on the built-in day's arrivals (${day.description})`,
      studies,
    },
    refused: scored.filter((s) => s.status !== 'analysed').length,
  };
}
