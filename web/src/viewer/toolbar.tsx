import type { Signal } from '@preact/signals';
import type { LeftTool } from './cornerstone.ts';

export interface ToolbarActions {
  invert: () => void;
  reset: () => void;
  fit: () => void;
  tool: (t: LeftTool) => void;
  go: (step: 1 | -1) => void;
  window: (width: number, center: number) => void;
  /** A preset relative to the image's own default window (X-ray values are not Hounsfield units). */
  preset: (widthFactor: number, centerShift: number) => void;
}

interface Props {
  leftTool: LeftTool;
  inverted: boolean;
  opacity: Signal<number>;
  /** The current window (width, centre) of the active pane, shown as numbers and editable. */
  win: { width: number; center: number } | undefined;
  act: ToolbarActions;
}

const TOOLS: Array<[LeftTool, string, string]> = [
  ['wl', 'Window/level', 'w'],
  ['zoom', 'Zoom', 'z'],
  ['pan', 'Pan', 'x'],
  ['length', 'Length', 'l'],
  ['angle', 'Angle', 'g'],
  ['ellipse', 'Ellipse ROI', 'e'],
  ['arrow', 'Arrow', 'o'],
];

/**
 * Chest presets relative to the image's default window (its VOI from the header): radiograph
 * pixel values have no fixed scale, so a CT-style absolute W/L would mean nothing. Factor of the
 * default width, and the centre's shift as a fraction of that width.
 */
export const PRESETS: Array<[string, number, number, string]> = [
  ['Default', 1, 0, '1'],
  ['Lung', 1.4, -0.1, '2'],
  ['Mediastinum', 0.55, 0.15, '3'],
  ['Bone', 0.7, 0.25, '4'],
];

/** Image tools; every one also has a key (see the help overlay). */
export function Toolbar({ leftTool, inverted, opacity, win, act }: Props): preact.JSX.Element {
  const setNumber = (which: 'width' | 'center', value: string): void => {
    const v = Number(value);
    if (!win || !Number.isFinite(v)) return;
    act.window(which === 'width' ? Math.max(1, v) : win.width, which === 'center' ? v : win.center);
  };
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
      <span role="group" aria-label="Window presets" class="presets">
        {PRESETS.map(([label, w, c, key]) => (
          <button key={label} type="button" aria-keyshortcuts={key} onClick={() => act.preset(w, c)}>
            {label}
          </button>
        ))}
      </span>
      <label class="wl-num">
        W
        <input
          type="number"
          name="window-width"
          value={win ? Math.round(win.width) : ''}
          onChange={(e) => setNumber('width', e.currentTarget.value)}
        />
      </label>
      <label class="wl-num">
        L
        <input
          type="number"
          name="window-center"
          value={win ? Math.round(win.center) : ''}
          onChange={(e) => setNumber('center', e.currentTarget.value)}
        />
      </label>
      <span class="sep" />
      <label class="opacity">
        Heat-map opacity
        <input
          type="range"
          min={0.1}
          max={1}
          step={0.05}
          value={opacity.value}
          onInput={(e) => (opacity.value = Number(e.currentTarget.value))}
        />
      </label>
    </div>
  );
}
