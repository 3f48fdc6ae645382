import type { Reading } from '../../reading/reading.ts';
import type { LabelRow } from '../../monitor/labels-csv.ts';
import { FINDING_VOCABULARY } from '../../findings/vocabulary.ts';

/** The finding columns of ../shared/data's labels.csv, in its order: the finding vocabulary's keys. */
export const LABEL_FINDINGS: readonly string[] = FINDING_VOCABULARY.map((e) => e.key);

export const LABELS_HEADER = ['file', 'sex', 'age', 'view', 'source', 'patient_id', ...LABEL_FINDINGS].join(',');

/**
 * Ground truth from a signed reading: an agreed AI finding is what the AI said, a disagreed one the
 * opposite, an uncertain one unknown (empty), a missed finding present. Findings nobody judged
 * stay empty: never read as negative. no_finding is 0 when any finding is present, otherwise
 * whatever the reader said about it (empty when not judged).
 */
export function labelsFromReading(reading: Reading): Record<string, 0 | 1 | null> {
  const labels: Record<string, 0 | 1 | null> = Object.fromEntries(LABEL_FINDINGS.map((f) => [f, null]));
  for (const v of reading.verdicts) {
    if (!(v.findingKey in labels) || v.verdict === 'uncertain') continue;
    labels[v.findingKey] = (v.verdict === 'agree') === v.aiPositive ? 1 : 0;
  }
  for (const f of reading.missedFindings) if (f in labels) labels[f] = 1;
  if (LABEL_FINDINGS.some((f) => f !== 'no_finding' && labels[f] === 1)) labels.no_finding = 0;
  return labels;
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One exported row: the same shape `npm run eval` and training read (monitor/labels-csv.ts). */
export type LabelsCsvRow = LabelRow;

export function labelsCsvLine(r: LabelsCsvRow): string {
  return [r.file, r.sex, r.age, r.view, r.source, r.patientId, ...LABEL_FINDINGS.map((f) => r.labels[f] ?? null)].map(cell).join(',');
}
