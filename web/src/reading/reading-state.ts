import { computed, signal } from '@preact/signals';
import type { FindingResult, InferenceResult } from '../../../src/inference/result.ts';
import type { Reading, StructuredReport, Verdict } from '../../../src/reading/reading.ts';
import { NO_FINDING_KEY } from '../../../src/findings/vocabulary.ts';
import { ApiError, api } from '../shell/api.ts';
import { onReconnect } from '../shell/connection.ts';

export type { FindingResult, InferenceResult, Reading, StructuredReport, Verdict };

export const reading = signal<Reading | undefined>(undefined);
export const results = signal<InferenceResult[]>([]);
export const saveError = signal('');
/** The report text on screen (edits not yet saved included): what Ctrl+Enter signs. */
export const draftText = signal<StructuredReport | undefined>(undefined);
/** Set when typed text was restored from this computer after a lost connection or a reload. */
export const restoredNotice = signal('');

/** The result the verdicts refer to (the reading names it), else the newest analysed one. */
export const primary = computed(() => {
  const r = reading.value;
  const list = results.value;
  return list.find((x) => x.id === r?.resultId) ?? list.filter((x) => x.status === 'analysed').sort((a, b) => b.createdAt - a.createdAt)[0];
});

const isPositive = (f: FindingResult): boolean => f.decisions.some((d) => d.positive);

/** The model's "no finding" output: a summary of the others, never a finding to give a verdict on. */
export const summary = computed(() => primary.value?.findings.find((f) => f.key === NO_FINDING_KEY));

/** Findings in reading order: the AI's positives first, then by probability; the summary left out. */
export const findings = computed(() =>
  [...(primary.value?.findings ?? [])]
    .filter((f) => f.key !== NO_FINDING_KEY)
    .sort((a, b) => Number(isPositive(b)) - Number(isPositive(a)) || b.probability - a.probability),
);

/** AI-positive findings without a verdict: signing needs them answered or deliberately overridden. */
export const pending = computed(() => {
  const given = new Set((reading.value?.verdicts ?? []).map((v) => v.findingKey));
  return findings.value.filter((f) => isPositive(f) && !given.has(f.key));
});

/** Results for this study that did not analyse it, with the reason in words. */
export const notRun = computed(() => results.value.filter((r) => r.status !== 'analysed'));

export { isPositive };

// Typed report text is written to this computer before it is sent, so a lost connection or a
// reload never loses it; the copy is removed once the server holds the signed reading.
const localKey = (uid: string): string => `readfirst.draft.${uid}`;
interface LocalDraft {
  report: StructuredReport;
  /** Not yet acknowledged by the server. */
  unsent: boolean;
  savedAt: number;
}

function readLocal(uid: string): LocalDraft | undefined {
  try {
    const raw = localStorage.getItem(localKey(uid));
    return raw ? (JSON.parse(raw) as LocalDraft) : undefined;
  } catch {
    return undefined;
  }
}

function writeLocal(uid: string, d: LocalDraft | undefined): void {
  try {
    if (d) localStorage.setItem(localKey(uid), JSON.stringify(d));
    else localStorage.removeItem(localKey(uid));
  } catch {
    // A full or disabled store: the server copy is then the only one.
  }
}

/** Opens the study for reading: loads the AI results and this reader's reading (starts its clock). */
export async function loadReading(uid: string): Promise<void> {
  reading.value = undefined;
  results.value = [];
  // Never carry the previous study's text into this one (it is what Ctrl+Enter would sign).
  draftText.value = undefined;
  restoredNotice.value = '';
  const res = await api<{ reading: Reading; results: InferenceResult[] }>('GET', `/api/readings/${uid}`);
  results.value = res.results;
  reading.value = res.reading;
  const local = readLocal(uid);
  if (res.reading.status === 'signed') writeLocal(uid, undefined);
  else if (local?.unsent) {
    draftText.value = local.report;
    restoredNotice.value = 'Your unsent report text was restored from this computer and sent to the server.';
    await sendReport(uid, local.report).catch(() => undefined);
  }
}

/**
 * Changes to the reading go to the server one at a time, in order: two quick verdicts sent
 * together could otherwise answer with a reading that lacks the other one.
 */
let queue: Promise<unknown> = Promise.resolve();
function inOrder<T>(send: () => Promise<T>): Promise<T> {
  const p = queue.then(send, send);
  queue = p.catch(() => undefined);
  return p;
}

async function save(send: () => Promise<Reading>): Promise<Reading> {
  try {
    const r = await inOrder(send);
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
  return save(() => api<Reading>('PUT', `/api/readings/${uid}/findings/${key}`, { verdict, comment: comment ?? current?.comment ?? '' }));
}

export function patchReading(
  uid: string,
  patch: {
    overall?: Verdict | null;
    missedFindings?: string[];
    report?: StructuredReport;
    imageProblem?: string | null;
    readElsewhere?: boolean;
  },
): Promise<Reading> {
  return save(() => api<Reading>('PATCH', `/api/readings/${uid}`, patch));
}

let unsentUid: string | undefined;

/** Keeps typed text on this computer at once (before the debounced save reaches the server). */
export function keepLocal(uid: string, report: StructuredReport): void {
  writeLocal(uid, { report, unsent: true, savedAt: Date.now() });
  unsentUid = uid;
}

/** Saves typed report text: on this computer at once, then on the server (again after a reconnect). */
export async function sendReport(uid: string, report: StructuredReport): Promise<void> {
  writeLocal(uid, { report, unsent: true, savedAt: Date.now() });
  unsentUid = uid;
  await patchReading(uid, { report });
  const now = readLocal(uid);
  // Only mark sent if nothing newer was typed meanwhile.
  if (now && JSON.stringify(now.report) === JSON.stringify(report)) writeLocal(uid, { ...now, unsent: false });
}

onReconnect(() => {
  const uid = unsentUid;
  const local = uid ? readLocal(uid) : undefined;
  if (uid && local?.unsent && reading.value?.studyInstanceUid === uid && reading.value.status === 'draft')
    void sendReport(uid, local.report).catch(() => undefined);
});

export async function signReading(uid: string, report: StructuredReport, override?: { reason: string }): Promise<Reading> {
  writeLocal(uid, { report, unsent: true, savedAt: Date.now() });
  const r = await save(() => api<Reading>('POST', `/api/readings/${uid}/sign`, { report, ...(override ? { override } : {}) }));
  writeLocal(uid, undefined);
  return r;
}

export { ApiError };
