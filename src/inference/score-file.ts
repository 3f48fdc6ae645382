import { readFile } from 'node:fs/promises';
import type { ImageScore, InferenceEngine } from './engine.ts';
import type { GateHeader } from './gate/quality-gate.ts';
import { isRaster } from './preprocess/raster.ts';

/**
 * Scores one image file (DICOM, PNG or JPEG, told apart by content) with one loaded model,
 * through the same path as the server. `header` says what labels know of a raster (its view);
 * a DICOM file speaks for itself.
 */
export async function scoreImageFile(
  engine: InferenceEngine,
  modelId: string,
  path: string,
  header: Partial<GateHeader> = {},
): Promise<ImageScore> {
  const bytes = await readFile(path);
  return engine.scoreImage(modelId, isRaster(bytes) ? { kind: 'raster', bytes, header } : { kind: 'dicom', bytes });
}

/** A labels.csv view ("PA", "AP", "AP Supine", "") as a DICOM ViewPosition. */
export function viewFromLabel(view: string): string | null {
  const v = view.trim().toUpperCase();
  if (v === '') return null;
  return v.split(/\s+/)[0] ?? null;
}
