import type { InputSpec } from '../models/model-card.ts';

/** The card's normalisation, in place on a [0, 1] input: fixed (x - mean) / std, or per-image z-score. */
export function normalizeInput(data: Float32Array, n: InputSpec['normalization']): Float32Array {
  let mean: number;
  let std: number;
  switch (n.type) {
    case 'fixed':
      mean = n.mean;
      std = n.std;
      break;
    case 'per-image': {
      let s = 0;
      let s2 = 0;
      for (const v of data) {
        s += v;
        s2 += v * v;
      }
      mean = s / data.length;
      std = Math.sqrt(Math.max(s2 / data.length - mean * mean, 0)) || 1;
      break;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = ((data[i] ?? 0) - mean) / std;
  return data;
}
