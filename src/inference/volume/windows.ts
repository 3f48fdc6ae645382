import { ReadfirstError } from '../../core/errors.ts';

/** A display window in modality units (Hounsfield units for CT): centre and width. */
export interface WindowPreset {
  name: string;
  center: number;
  width: number;
}

/**
 * Common CT window presets (centre/width in HU) as radiology departments and viewers (OHIF,
 * Horos) ship them. A model card names the ones its model was trained with, in channel order,
 * or gives its own numbers.
 */
export const CT_WINDOW_PRESETS: Readonly<Record<string, WindowPreset>> = {
  brain: { name: 'brain', center: 40, width: 80 },
  subdural: { name: 'subdural', center: 75, width: 215 },
  stroke: { name: 'stroke', center: 40, width: 40 },
  bone: { name: 'bone', center: 600, width: 2800 },
  lung: { name: 'lung', center: -600, width: 1500 },
  mediastinum: { name: 'mediastinum', center: 50, width: 350 },
  abdomen: { name: 'abdomen', center: 40, width: 400 },
  liver: { name: 'liver', center: 60, width: 160 },
};

/** Resolves a card's window entry: a preset name, or explicit numbers. */
export function resolveWindow(w: string | WindowPreset): WindowPreset {
  if (typeof w !== 'string') return w;
  const p = CT_WINDOW_PRESETS[w];
  if (!p) throw new ReadfirstError('invalid-input', `unknown window preset "${w}" (known: ${Object.keys(CT_WINDOW_PRESETS).join(', ')})`);
  return p;
}

/**
 * Linear window to [0, 1] (PS3.3 C.11.2.1.2.1 with the output scaled to unit range): values
 * below centre − width/2 become 0, above centre + width/2 become 1.
 */
export function applyWindow(values: Float32Array, w: WindowPreset, out = new Float32Array(values.length)): Float32Array {
  const lo = w.center - w.width / 2;
  const inv = 1 / w.width;
  for (let i = 0; i < values.length; i++) {
    const v = ((values[i] as number) - lo) * inv;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/**
 * MR has no absolute units, so each series is normalised by its own intensities, inside a body
 * mask (voxels above a fraction of the mean, which drops the air background): `percentile` maps
 * the [low, high] percentiles to [0, 1]; `z-score` subtracts the mean and divides by the SD.
 */
export type MrNormalization = { type: 'percentile'; low: number; high: number } | { type: 'z-score' };

export interface IntensityStats {
  low: number;
  high: number;
  mean: number;
  sd: number;
}

/** Body-mask statistics of a series from a sample of its voxels (every slice contributes). */
export function bodyMaskStats(samples: Float32Array, low = 1, high = 99): IntensityStats {
  let sum = 0;
  for (const v of samples) sum += v;
  const threshold = (sum / Math.max(1, samples.length)) * 0.1;
  const body = samples.filter((v) => v > threshold).sort();
  if (body.length === 0) return { low: 0, high: 1, mean: 0, sd: 1 };
  const at = (p: number): number => body[Math.min(body.length - 1, Math.max(0, Math.round((p / 100) * (body.length - 1))))] ?? 0;
  let m = 0;
  for (const v of body) m += v;
  m /= body.length;
  let ss = 0;
  for (const v of body) ss += (v - m) ** 2;
  return { low: at(low), high: at(high), mean: m, sd: Math.sqrt(ss / body.length) || 1 };
}

/** Applies an MR normalisation with a series' statistics. */
export function normalizeMr(
  values: Float32Array,
  n: MrNormalization,
  stats: IntensityStats,
  out = new Float32Array(values.length),
): Float32Array {
  if (n.type === 'z-score') {
    for (let i = 0; i < values.length; i++) out[i] = ((values[i] as number) - stats.mean) / stats.sd;
    return out;
  }
  return applyWindow(
    values,
    { name: 'percentile', center: (stats.low + stats.high) / 2, width: Math.max(1e-6, stats.high - stats.low) },
    out,
  );
}
