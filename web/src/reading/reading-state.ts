import { computed, signal } from '@preact/signals';
import type { FindingResult, InferenceResult } from '../../../src/inference/result.ts';
import type { Reading, StructuredReport, Verdict } from '../../../src/reading/reading.ts';
import { api } from '../shell/api.ts';

export type { FindingResult, InferenceResult, Reading, StructuredReport, Verdict };

export const reading = signal<Reading | undefined>(undefined);
export const results = signal<InferenceResult[]>([]);
export const saveError = signal('');
/** The report text on screen (edits not yet saved included): what Ctrl+Enter signs. */
export const draftText = signal<StructuredReport | undefined>(undefined);

/** The result the verdicts refer to (the reading names it), else the newest analysed one. */
export const primary = computed(() => {
  const r = reading.value;
  const list = results.value;
  return list.find((x) => x.id === r?.resultId) ?? list.filter((x) => x.status === 'analysed').sort((a, b) => b.createdAt - a.createdAt)[0];
});

const isPositive = (f: FindingResult): boolean => f.decisions.some((d) => d.positive);

/** Findings in reading order: the AI's positives first, then by probability. */
export const findings = computed(() =>
  [...(primary.value?.findings ?? [])].sort((a, b) => Number(isPositive(b)) - Number(isPositive(a)) || b.probability - a.probability),
);

export { isPositive };

/** Opens the study for reading: loads the AI results and this reader's reading (starts its clock). */
export async function loadReading(uid: string): Promise<void> {
  reading.value = undefined;
  results.value = [];
  const res = await api<{ reading: Reading; results: InferenceResult[] }>('GET', `/api/readings/${uid}`);
  results.value = res.results;
  reading.value = res.reading;
}

async function save(p: Promise<Reading>): Promise<Reading> {
  try {
    const r = await p;
    reading.value = r;
    saveError.value = '';
    return r;
  } catch (e) {
    saveError.value = e instanceof Error ? e.message : String(e);
    throw e;
  }
}

export function setVerdict(uid: string, key: string, verdict: Verdict, comment?: string): Promise<Reading> {
  const current = reading.value?.verdicts.find((v) => v.findingKey === key);
  return save(api<Reading>('PUT', `/api/readings/${uid}/findings/${key}`, { verdict, comment: comment ?? current?.comment ?? '' }));
}

export function patchReading(uid: string, patch: { overall?: Verdict | null; missedFindings?: string[]; report?: StructuredReport }): Promise<Reading> {
  return save(api<Reading>('PATCH', `/api/readings/${uid}`, patch));
}

export function signReading(uid: string, report: StructuredReport): Promise<Reading> {
  return save(api<Reading>('POST', `/api/readings/${uid}/sign`, { report }));
}
