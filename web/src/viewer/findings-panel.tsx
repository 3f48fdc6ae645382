import type { Signal } from '@preact/signals';
import {
  type FindingResult,
  type Verdict,
  findings,
  isPositive,
  notRun,
  primary,
  reading,
  setVerdict,
  summary,
} from '../reading/reading-state.ts';

const pct = (p: number): string => `${(p * 100).toFixed(0)}%`;

function operatingPoints(f: FindingResult): string {
  const passed = f.decisions.filter((d) => d.positive);
  if (passed.length > 0) return `passed ${passed.map((d) => `${d.name} (≥ ${d.threshold.toFixed(2)})`).join(', ')}`;
  const lowest = Math.min(...f.decisions.map((d) => d.threshold));
  return Number.isFinite(lowest) ? `below every operating point (lowest ${lowest.toFixed(2)})` : 'no operating point';
}

const VERDICT_BUTTONS: Array<[Verdict, string, string]> = [
  ['agree', 'Agree', 'a'],
  ['disagree', 'Disagree', 'd'],
  ['uncertain', 'Uncertain', 'u'],
];

interface Props {
  uid: string;
  focused: Signal<number>;
  heatmapKey: Signal<string | undefined>;
  signed: boolean;
}

/** Why the AI gave no result, in words (quality gate, decode failure, no model), never only a tooltip. */
export function NotRunReasons(): preact.JSX.Element | null {
  const list = notRun.value;
  if (list.length === 0 || primary.value) return null;
  return (
    <div class="not-run" role="note" data-testid="ai-not-run">
      <strong>The AI did not analyse this study.</strong>
      <ul>
        {list.map((r) => (
          <li key={r.id}>{r.statusReason ?? r.gate?.message ?? r.status}</li>
        ))}
      </ul>
    </div>
  );
}

/** The model's "no finding" output, shown as its overall summary, never as a finding to agree with. */
function Summary(): preact.JSX.Element | null {
  const s = summary.value;
  if (!s) return null;
  const anyFinding = findings.value.some(isPositive);
  const pos = isPositive(s);
  return (
    <p class="ai-summary" data-testid="ai-summary">
      AI summary:{' '}
      {pos && !anyFinding ? 'no finding above its operating points' : anyFinding ? 'findings flagged (below)' : 'no finding flagged'} ·
      no-finding output {pct(s.probability)}
      {pos && anyFinding ? ' (contradicted by the flagged findings; not a finding to record)' : ''}
    </p>
  );
}

/** Each AI finding: probability, the operating point it passed, heat-map button, and the verdict. */
export function FindingsPanel({ uid, focused, heatmapKey, signed }: Props): preact.JSX.Element {
  const list = findings.value;
  const verdicts = new Map((reading.value?.verdicts ?? []).map((v) => [v.findingKey, v]));
  if (list.length === 0) return <NotRunReasons />;
  return (
    <>
      <Summary />
      <ol class="findings" aria-label="AI findings">
        {list.map((f, i) => {
          const v = verdicts.get(f.key);
          const hasMap = f.heatmap !== undefined;
          return (
            <li
              key={f.key}
              class={`finding${i === focused.value ? ' focused' : ''}${isPositive(f) ? ' positive' : ''}`}
              data-key={f.key}
              aria-current={i === focused.value ? 'true' : undefined}
              onClick={() => (focused.value = i)}
            >
              <div class="finding-head">
                <strong>{f.display}</strong>
                {isPositive(f) && !v && !signed && <span class="needs-verdict">needs your verdict</span>}
                <span class="prob" title="Model probability">
                  {pct(f.probability)}
                </span>
              </div>
              <div class="muted small">{operatingPoints(f)}</div>
              <div class="finding-actions">
                <button
                  type="button"
                  class={`heat${heatmapKey.value === f.key ? ' on' : ''}`}
                  disabled={!hasMap}
                  aria-pressed={heatmapKey.value === f.key}
                  title={hasMap ? 'Show where the model looked (h)' : 'No heat-map for this finding'}
                  onClick={() => (heatmapKey.value = heatmapKey.value === f.key ? undefined : f.key)}
                >
                  Heat-map
                </button>
                <span role="group" aria-label={`Verdict on ${f.display}`} class="verdicts">
                  {VERDICT_BUTTONS.map(([verdict, label, key]) => (
                    <button
                      key={verdict}
                      type="button"
                      class={`verdict v-${verdict}${v?.verdict === verdict ? ' chosen' : ''}`}
                      aria-pressed={v?.verdict === verdict}
                      aria-keyshortcuts={key}
                      disabled={signed}
                      onClick={() => void setVerdict(uid, f.key, verdict).catch(() => undefined)}
                    >
                      {label}
                    </button>
                  ))}
                </span>
              </div>
              {v && (
                <input
                  class="comment"
                  aria-label={`Comment on ${f.display}`}
                  placeholder="Comment (optional)"
                  value={v.comment}
                  disabled={signed}
                  onChange={(e) => void setVerdict(uid, f.key, v.verdict, e.currentTarget.value).catch(() => undefined)}
                />
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}
