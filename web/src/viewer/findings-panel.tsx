import type { Signal } from '@preact/signals';
import { type FindingResult, type Verdict, findings, isPositive, reading, setVerdict } from '../reading/reading-state.ts';

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

/** Each AI finding: probability, the operating point it passed, heat-map button, and the verdict. */
export function FindingsPanel({ uid, focused, heatmapKey, signed }: Props): preact.JSX.Element {
  const list = findings.value;
  const verdicts = new Map((reading.value?.verdicts ?? []).map((v) => [v.findingKey, v]));
  if (list.length === 0) return <p class="muted">No AI findings for this study.</p>;
  return (
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
  );
}
