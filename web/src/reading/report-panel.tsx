import { useEffect, useRef, useState } from 'preact/hooks';
import { type StructuredReport, type Verdict, draftText, findings, isPositive, patchReading, reading, saveError } from './reading-state.ts';

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
  onSign: (report: StructuredReport) => void;
}

/**
 * The overall verdict, findings the AI missed, and the structured draft report: pre-filled from
 * the findings the reader agreed with, editable, signed only by the reader.
 */
export function ReportPanel({ uid, onSign }: Props): preact.JSX.Element | null {
  const r = reading.value;
  const [text, setText] = useState<StructuredReport | undefined>(r?.report);
  const edited = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Follow the server's pre-fill until the reader types in the report.
  useEffect(() => {
    if (r && !edited.current) {
      setText(r.report);
      draftText.value = r.report;
    }
  }, [r?.report.findings, r?.report.impression, r?.report.technique]);

  if (!r || !text) return null;
  const signed = r.status === 'signed';
  const missedChoices = findings.value.filter((f) => !isPositive(f));

  const edit = (key: keyof StructuredReport, value: string): void => {
    edited.current = true;
    const next = { ...text, [key]: value };
    setText(next);
    draftText.value = next;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void patchReading(uid, { report: next }).catch(() => undefined), 600);
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
            <input type="radio" name="overall" value={v} checked={r.overall === v} onChange={() => void patchReading(uid, { overall: v }).catch(() => undefined)} />
            {label}
          </label>
        ))}
      </fieldset>
      {missedChoices.length > 0 && (
        <fieldset disabled={signed}>
          <legend>Findings the AI missed</legend>
          {missedChoices.map((f) => (
            <label key={f.key} class="check">
              <input type="checkbox" name="missed" value={f.key} checked={r.missedFindings.includes(f.key)} onChange={(e) => toggleMissed(f.key, e.currentTarget.checked)} />
              {f.display}
            </label>
          ))}
        </fieldset>
      )}
      <h3>Report {signed ? '(signed)' : '(draft)'}</h3>
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
        </p>
      ) : (
        <button type="button" class="primary sign" aria-keyshortcuts="Control+Enter" onClick={() => onSign(text)}>
          Sign report and next (Ctrl+Enter)
        </button>
      )}
    </section>
  );
}
