import type { InferenceResult } from '../../../src/inference/result.ts';
import type { StudyImage } from './study-images.ts';

/** Modalities whose series are stacks of slices, scrolled rather than shown one image each. */
const STACK_MODALITIES = new Set(['CT', 'MR', 'PT']);

/** A series shown as one scrollable stack: its slices in order along the slice normal. */
export interface Stack {
  seriesUid: string;
  modality: string;
  imageIds: string[];
  /** The index the pane opens at: the AI's key slice when it read this series, else the middle. */
  startIndex: number;
  /** Index of the AI's key slice in this stack, or null. */
  keyIndex: number | null;
  keySop: string | null;
}

const dot = (a: readonly number[], b: readonly number[]): number =>
  (a[0] ?? 0) * (b[0] ?? 0) + (a[1] ?? 0) * (b[1] ?? 0) + (a[2] ?? 0) * (b[2] ?? 0);

/** Slices in order along the normal of ImageOrientationPatient, as the server assembles them. */
export function orderSlices(images: readonly StudyImage[]): StudyImage[] {
  const o = images[0]?.orientation;
  if (!o || o.length !== 6 || images.some((i) => !i.position)) return [...images].sort((a, b) => a.instanceNumber - b.instanceNumber);
  const n = [o[1]! * o[5]! - o[2]! * o[4]!, o[2]! * o[3]! - o[0]! * o[5]!, o[0]! * o[4]! - o[1]! * o[3]!];
  return [...images].sort((a, b) => dot(a.position ?? [], n) - dot(b.position ?? [], n) || a.instanceNumber - b.instanceNumber);
}

/** The key slice a volume model found in a series (its first claimed finding's), from the study's results. */
export function keySliceOf(results: readonly InferenceResult[], seriesUid: string): string | null {
  const r = results.find((x) => x.seriesInstanceUid === seriesUid && x.volume && x.status === 'analysed');
  const positive = r?.findings.find((f) => f.decisions.some((d) => d.positive));
  const key = r?.volume?.keySlices.find((k) => k.findingKey === (positive ?? r.findings[0])?.key);
  return key?.sopInstanceUid ?? null;
}

/** The stack an image belongs to, or null for a projection image shown alone. */
export function stackOf(images: readonly StudyImage[], image: StudyImage, results: readonly InferenceResult[]): Stack | null {
  if (!image.modality || !STACK_MODALITIES.has(image.modality)) return null;
  const slices = orderSlices(images.filter((i) => i.seriesUid === image.seriesUid));
  if (slices.length < 2) return null;
  const keySop = keySliceOf(results, image.seriesUid);
  const keyIndex = keySop ? slices.findIndex((s) => s.sopUid === keySop) : -1;
  return {
    seriesUid: image.seriesUid,
    modality: image.modality,
    imageIds: slices.map((s) => s.imageId),
    startIndex: keyIndex >= 0 ? keyIndex : Math.floor(slices.length / 2),
    keyIndex: keyIndex >= 0 ? keyIndex : null,
    keySop,
  };
}

/** What the thumbnail strip lists: every projection image, and one entry per stack (its middle slice). */
export function thumbnailImages(images: readonly StudyImage[]): StudyImage[] {
  const seen = new Set<string>();
  const out: StudyImage[] = [];
  for (const img of images) {
    if (!img.modality || !STACK_MODALITIES.has(img.modality)) {
      out.push(img);
      continue;
    }
    if (seen.has(img.seriesUid)) continue;
    seen.add(img.seriesUid);
    const slices = orderSlices(images.filter((i) => i.seriesUid === img.seriesUid));
    out.push(slices[Math.floor(slices.length / 2)] ?? img);
  }
  return out;
}

/** Absolute CT window presets in HU (width, centre), as OHIF ships them; X-rays keep relative ones. */
export const CT_PRESETS: Array<[string, number, number]> = [
  ['Brain', 80, 40],
  ['Subdural', 215, 75],
  ['Bone', 2800, 600],
  ['Lung', 1500, -600],
  ['Mediastinum', 350, 50],
  ['Abdomen', 400, 40],
];
