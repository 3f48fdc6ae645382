import { CT_PRESETS } from './stack.ts';

interface Props {
  /** Current slice (0-based) and the stack's length. */
  slice: { index: number; total: number };
  keyIndex: number | null;
  modality: string;
  onSlice: (index: number) => void;
  onWindow: (width: number, center: number) => void;
}

/**
 * Controls of a CT or MR stack: where the reader is in it (also announced), a jump to the slice
 * that drove the AI finding, and absolute HU window presets for CT (radiographs keep relative ones).
 */
export function StackControls({ slice, keyIndex, modality, onSlice, onWindow }: Props): preact.JSX.Element {
  return (
    <div class="stack-controls" role="group" aria-label="Slices">
      <button type="button" aria-keyshortcuts="PageUp" onClick={() => onSlice(slice.index - 1)} disabled={slice.index <= 0}>
        ▲ Slice
      </button>
      <span class="slice-readout" data-testid="slice-readout" aria-live="polite">
        Slice {slice.index + 1} / {slice.total}
        {keyIndex === slice.index ? ' · AI key slice' : ''}
      </span>
      <button type="button" aria-keyshortcuts="PageDown" onClick={() => onSlice(slice.index + 1)} disabled={slice.index >= slice.total - 1}>
        ▼ Slice
      </button>
      {keyIndex !== null && (
        <button type="button" aria-keyshortcuts="k" data-testid="key-slice" onClick={() => onSlice(keyIndex)}>
          Key slice ({keyIndex + 1})
        </button>
      )}
      {modality === 'CT' && (
        <span role="group" aria-label="CT window presets" class="presets">
          {CT_PRESETS.map(([label, w, c]) => (
            <button key={label} type="button" title={`W ${w} · L ${c}`} onClick={() => onWindow(w, c)}>
              {label}
            </button>
          ))}
        </span>
      )}
    </div>
  );
}
