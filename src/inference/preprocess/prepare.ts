import type { InputSpec } from '../models/model-card.ts';
import { normalizeInput } from './normalize.ts';
import { resizeToInput, type Placement } from './resize.ts';
import type { UnitImage } from './window.ts';

/** One model input: the normalised [C, H, W] tensor and where the image sits inside it. */
export interface ModelInput {
  dims: [number, number, number];
  tensor: Float32Array;
  placement: Placement;
}

/** [0, 1] image → resized (letterbox or stretch) → normalised Float32 tensor, as the card says. */
export async function toModelInput(unit: UnitImage, spec: InputSpec): Promise<ModelInput> {
  const { data, placement } = await resizeToInput(unit, spec);
  return { dims: [spec.channels, spec.height, spec.width], tensor: normalizeInput(data, spec.normalization), placement };
}
