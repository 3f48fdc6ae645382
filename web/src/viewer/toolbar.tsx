import type { Signal } from '@preact/signals';
import type { LeftTool } from './cornerstone.ts';

interface Props {
  leftTool: LeftTool;
  inverted: boolean;
  opacity: Signal<number>;
  act: { invert: () => void; reset: () => void; fit: () => void; tool: (t: LeftTool) => void; go: (step: 1 | -1) => void };
}

const TOOLS: Array<[LeftTool, string, string]> = [
  ['wl', 'Window/level', 'w'],
  ['zoom', 'Zoom', 'z'],
  ['pan', 'Pan', 'x'],
];

/** Image tools; every one also has a key (see the help overlay). */
export function Toolbar({ leftTool, inverted, opacity, act }: Props): preact.JSX.Element {
  return (
    <div class="toolbar" role="toolbar" aria-label="Image tools">
      <button type="button" onClick={() => act.go(-1)} aria-keyshortcuts="p">
        ← Prev
      </button>
      <button type="button" onClick={() => act.go(1)} aria-keyshortcuts="n">
        Next →
      </button>
      <span class="sep" />
      {TOOLS.map(([t, label, key]) => (
        <button key={t} type="button" aria-pressed={leftTool === t} aria-keyshortcuts={key} onClick={() => act.tool(t)}>
          {label}
        </button>
      ))}
      <button type="button" aria-pressed={inverted} aria-keyshortcuts="i" onClick={act.invert}>
        Invert
      </button>
      <button type="button" aria-keyshortcuts="f" onClick={act.fit}>
        Fit
      </button>
      <button type="button" aria-keyshortcuts="r" onClick={act.reset}>
        Reset
      </button>
      <span class="sep" />
      <label class="opacity">
        Heat-map opacity
        <input type="range" min={0.1} max={1} step={0.05} value={opacity.value} onInput={(e) => (opacity.value = Number(e.currentTarget.value))} />
      </label>
    </div>
  );
}
