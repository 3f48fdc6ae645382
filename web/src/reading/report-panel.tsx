import { useEffect, useRef, useState } from 'preact/hooks';
import { RECORDABLE_FINDINGS } from '../../../src/findings/vocabulary.ts';
import {
  type StructuredReport,
  type Verdict,
  draftText,
  findings,
  isPositive,
  keepLocal,
  patchReading,
  pending,
  reading,
  restoredNotice,
  saveError,
  sendReport,
} from './reading-state.ts';

const SECTIONS: Array<[keyof StructuredReport, string, number]> = [
  ['technique', 'Technique', 2],
  ['findings', 'Findings', 5],
  ['impression', 'Impression', 3],
];
const OVERALL: Array<[Verdict, string]> = [
  ['agree', 'Agree with AI'],
  ['disagree', 'Disagree'],
  ['uncertain', 'Uncertain'],
];

interface Props {
  uid: string;
  onSign: (report: StructuredReport, override?: { reason: string }) => void;
}

/**
 * The overall verdict, findings the AI missed (the whole finding vocabulary, with codes), and
 * the structured draft report: pre-filled from the findings the reader confirmed, editable,
 * signed only by the reader. Signing waits for a verdict on every AI-positive finding (or a
 * deliberate, recorded override) and for a failed image to be read elsewhere.
 */
export function ReportPanel({ uid, onSign }: Props): preact.JSX.Element | null {
  const r = reading.value;
  const [text, setText] = useState<StructuredReport | undefined>(r?.studyInstanceUid === uid ? (draftText.value ?? r.report) : undefined);
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState('');
  const edited = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The server's text (its pre-fill, or text restored and resent) until the reader types here.
  useEffect(() => {
    if (!r || edited.current) return;
    setText(r.report);
    draftText.value = r.report;
  }, [r?.id, r?.report.findings, r?.report.impression, r?.report.technique]);

  if (!r || !text) return null;
  const signed = r.status === 'signed';
  // Findings with an AI verdict are answered there; every other finding of the vocabulary can be added.
  const aiPositiveKeys = new Set(findings.value.filter(isPositive).map((f) => f.key));
  const missedChoices = RECORDABLE_FINDINGS.filter((f) => !aiPositiveKeys.has(f.key));
  const waiting = pending.value;
  const imageBlocked = r.imageProblem !== null && !r.imageProblem.readElsewhere;
  const canSign = !imageBlocked && (waiting.length === 0 || (override && reason.trim() !== '')) && text.impression.trim() !== '';

  const edit = (key: keyof StructuredReport, value: string): void => {
    edited.current = true;
    const next = { ...text, [key]: value };
    setText(next);
    draftText.value = next;
    keepLocal(uid, next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void sendReport(uid, next).catch(() => undefined), 600);
  };
  const toggleMissed = (key: string, on: boolean): void => {
    const set = new Set(r.missedFindings);
    if (on) set.add(key);
    else set.delete(key);
    void patchReading(uid, { missedFindings: [...set] }).catch(() => undefined);
  };

  return (
    <section class="report" aria-label="Verdict and report">
      <fieldset disabled={signed}>
        <legend>Overall verdict</legend>
        {OVERALL.map(([v, label]) => (
          <label key={v} class="radio">
            <input
              type="radio"
              name="overall"
              value={v}
              checked={r.overall === v}
              onChange={() => void patchReading(uid, { overall: v }).catch(() => undefined)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <details class="missed" open={r.missedFindings.length > 0}>
        <summary>Findings the AI missed ({r.missedFindings.length})</summary>
        <fieldset disabled={signed} aria-label="Findings the AI missed">
          {missedChoices.map((f) => (
            <label key={f.key} class="check" title={`SNOMED CT ${f.code.code} ${f.code.display}`}>
              <input
                type="checkbox"
                name="missed"
                value={f.key}
                checked={r.missedFindings.includes(f.key)}
                onChange={(e) => toggleMissed(f.key, e.currentTarget.checked)}
              />
              {f.display} <small>SCT {f.code.code}</small>
            </label>
          ))}
        </fieldset>
      </details>
      <h3>Report {signed ? '(signed)' : '(draft)'}</h3>
      {restoredNotice.value && !signed && (
        <p class="notice" role="status">
          {restoredNotice.value}
        </p>
      )}
      {SECTIONS.map(([key, label, rows]) => (
        <label key={key} class="field">
          <span>{label}</span>
          <textarea name={key} rows={rows} readOnly={signed} value={text[key]} onInput={(e) => edit(key, e.currentTarget.value)} />
        </label>
      ))}
      {saveError.value && (
        <p class="error" role="alert">
          {saveError.value}
        </p>
      )}
      {signed ? (
        <p class="signed" role="status">
          Signed by {r.readerName} at {new Date(r.signedAt ?? 0).toLocaleString()} · reading time {Math.round((r.readingMs ?? 0) / 1000)} s
          {r.signOverride
            ? ` · signed over unverified AI findings (${r.signOverride.unverified.join(', ')}): ${r.signOverride.reason}`
            : ''}
        </p>
      ) : (
        <>
          {imageBlocked && (
            <div class="blocker" role="alert">
              <p>An image failed to show: {r.imageProblem?.reason}. Signing is blocked until you confirm you read the study elsewhere.</p>
              <label class="check">
                <input
                  type="checkbox"
                  name="read-elsewhere"
                  onChange={(e) => e.currentTarget.checked && void patchReading(uid, { readElsewhere: true }).catch(() => undefined)}
                />
                I read this study in another viewer
              </label>
            </div>
          )}
          {waiting.length > 0 && (
            <div class="blocker" data-testid="pending-verdicts">
              <p>
                The AI flags {waiting.map((f) => f.display).join(', ')}: give each a verdict (<kbd>a</kbd> agree, <kbd>d</kbd> disagree,{' '}
                <kbd>u</kbd> uncertain) before signing.
              </p>
              <label class="check">
                <input type="checkbox" name="override" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
                Sign without these verdicts (recorded as an override)
              </label>
              {override && (
                <label class="field">
                  <span>Reason for the override (recorded)</span>
                  <input name="override-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                </label>
              )}
            </div>
          )}
          <button
            type="button"
            class="primary sign"
            aria-keyshortcuts="Control+Enter"
            disabled={!canSign}
            onClick={() => onSign(text, waiting.length > 0 && override ? { reason: reason.trim() } : undefined)}
          >
            Sign report and next (Ctrl+Enter)
          </button>
        </>
      )}
    </section>
  );
}
