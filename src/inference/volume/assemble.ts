import type { SliceHeader, Vec3 } from './slice-header.ts';

/**
 * Why a series cannot be read as one volume. Each is reported as "not analysable" with its
 * message; a volume model never scores a series that fails one of these.
 */
export type VolumeRefusal =
  | 'too-few-slices'
  | 'missing-geometry'
  | 'mixed-orientations'
  | 'mixed-image-size'
  | 'several-acquisitions'
  | 'duplicate-slices'
  | 'missing-slices'
  | 'uneven-spacing'
  | 'gantry-tilt'
  | 'only-localizers';

/** What a model card allows (tolerances are the card's, so a model trained on tilted data may allow tilt). */
export interface VolumeLimits {
  minSlices: number;
  /** Largest allowed relative deviation of one gap from the median gap (0.1 = 10%). */
  maxSpacingDeviation: number;
  /** Largest allowed angle, degrees, between the slice normal and the stacking direction. */
  maxTiltDegrees: number;
}

export const DEFAULT_VOLUME_LIMITS: VolumeLimits = { minSlices: 3, maxSpacingDeviation: 0.1, maxTiltDegrees: 1 };

/** One plane of an assembled volume, in order along the normal. */
export interface VolumeSlice {
  sopInstanceUid: string;
  frameIndex: number;
  /** Signed distance along the normal from the first slice, mm. */
  offsetMm: number;
  header: SliceHeader;
}

export interface VolumePlan {
  slices: VolumeSlice[];
  rows: number;
  columns: number;
  /** [between rows, between columns, between slices] in mm. */
  spacing: Vec3;
  /** Unit normal of the slices (row × column direction). */
  normal: Vec3;
  orientation: NonNullable<SliceHeader['orientation']>;
  /** Localiser images left out of the volume. */
  excludedLocalizers: number;
}

export type AssemblyOutcome = { ok: true; plan: VolumePlan } | { ok: false; reason: VolumeRefusal; message: string };

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const refuse = (reason: VolumeRefusal, message: string): AssemblyOutcome => ({ ok: false, reason, message });

/**
 * Orders a series' image planes into one volume (sorted by ImagePositionPatient projected on the
 * normal of ImageOrientationPatient, PS3.3 C.7.6.2.1.1), derives the spacing, and refuses what
 * would make a volume model read nonsense: missing geometry, mixed orientations or sizes,
 * several acquisitions or stacks (or time points) in one series, duplicated or missing slices,
 * uneven spacing, gantry tilt. Localisers are left out (and counted), never stacked with the
 * axial images. The order of arrival never matters: the same planes give the same plan.
 */
export function assembleVolume(headers: readonly SliceHeader[], limits: VolumeLimits = DEFAULT_VOLUME_LIMITS): AssemblyOutcome {
  const localizer = (h: SliceHeader): boolean => h.imageType.includes('LOCALIZER');
  const planes = headers.filter((h) => !localizer(h));
  const excludedLocalizers = headers.length - planes.length;
  if (planes.length === 0 && headers.length > 0)
    return refuse('only-localizers', `the series holds only ${headers.length} localiser image(s)`);
  if (planes.length < limits.minSlices)
    return refuse('too-few-slices', `${planes.length} slice(s); the model needs at least ${limits.minSlices}`);
  const first = planes[0];
  if (!first) return refuse('too-few-slices', 'no slices');
  const missing = planes.filter((h) => !h.position || !h.orientation || !h.pixelSpacing);
  if (missing.length)
    return refuse(
      'missing-geometry',
      `${missing.length} of ${planes.length} slice(s) lack ImagePositionPatient, ImageOrientationPatient or PixelSpacing`,
    );
  const orientation = first.orientation as NonNullable<SliceHeader['orientation']>;
  const mixed = planes.find((h) => (h.orientation ?? []).some((v, i) => Math.abs(v - (orientation[i] ?? 0)) > 1e-3));
  if (mixed) return refuse('mixed-orientations', 'the slices do not share one ImageOrientationPatient');
  const sizes = new Set(planes.map((h) => `${h.rows}x${h.columns}`));
  if (sizes.size > 1) return refuse('mixed-image-size', `the slices have ${sizes.size} different sizes (${[...sizes].join(', ')})`);
  const stacks = new Set(planes.map((h) => h.stackId ?? ''));
  if (stacks.size > 1) return refuse('several-acquisitions', `the series holds ${stacks.size} stacks (StackID)`);
  const times = new Set(planes.map((h) => h.temporalPosition ?? 0));
  if (times.size > 1)
    return refuse('several-acquisitions', `the series holds ${times.size} temporal positions: a time series, not one volume`);

  const row: Vec3 = [orientation[0], orientation[1], orientation[2]];
  const col: Vec3 = [orientation[3], orientation[4], orientation[5]];
  const n = cross(row, col);
  const len = norm(n);
  const normal: Vec3 = [n[0] / len, n[1] / len, n[2] / len];
  const sorted = planes
    .map((h) => ({ h, d: dot(h.position as Vec3, normal) }))
    .sort(
      (a, b) => a.d - b.d || (a.h.instanceNumber ?? 0) - (b.h.instanceNumber ?? 0) || a.h.sopInstanceUid.localeCompare(b.h.sopInstanceUid),
    );
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) gaps.push((sorted[i]?.d ?? 0) - (sorted[i - 1]?.d ?? 0));
  // Tilt first: a tilted acquisition is the cause, uneven gaps are often only its symptom.
  const firstPos = sorted[0]?.h.position as Vec3;
  const lastPos = sorted[sorted.length - 1]?.h.position as Vec3;
  const along = sub(lastPos, firstPos);
  const cos = norm(along) > 0 ? Math.min(1, Math.abs(dot(along, normal)) / norm(along)) : 1;
  const tilt = Math.max((Math.acos(cos) * 180) / Math.PI, Math.abs(first.gantryTilt));
  if (tilt > limits.maxTiltDegrees)
    return refuse('gantry-tilt', `gantry tilt of ${round(tilt, 1)}° (the model allows ${limits.maxTiltDegrees}°)`);
  const dupes = gaps.filter((g) => Math.abs(g) < 1e-3).length;
  if (dupes) {
    const acquisitions = new Set(planes.map((h) => h.acquisitionNumber ?? 0));
    if (acquisitions.size > 1)
      return refuse('several-acquisitions', `${acquisitions.size} acquisitions overlap in one series (AcquisitionNumber)`);
    const kinds = new Set(planes.map((h) => h.imageType.join('\\')));
    if (kinds.size > 1)
      return refuse('several-acquisitions', `${kinds.size} image types share slice positions (${[...kinds].slice(0, 3).join('; ')})`);
    return refuse('duplicate-slices', `${dupes} slice position(s) occur more than once`);
  }
  const step = median(gaps);
  const largest = Math.max(...gaps);
  const smallest = Math.min(...gaps);
  // A gap close to a whole multiple (2, 3, …) of the usual step is slices that did not arrive.
  const lost = gaps.map((g) => g / step).filter((r) => Math.round(r) >= 2 && Math.abs(r - Math.round(r)) < 0.15);
  if (lost.length) {
    const count = lost.reduce((s, r) => s + Math.round(r) - 1, 0);
    return refuse('missing-slices', `${count} slice(s) missing: a gap of ${round(largest)} mm where slices are ${round(step)} mm apart`);
  }
  if ((largest - step) / step > limits.maxSpacingDeviation || (step - smallest) / step > limits.maxSpacingDeviation)
    return refuse('uneven-spacing', `slice gaps range from ${round(smallest)} to ${round(largest)} mm (median ${round(step)} mm)`);
  const origin = sorted[0]?.d ?? 0;
  const [pr, pc] = first.pixelSpacing as readonly [number, number];
  return {
    ok: true,
    plan: {
      slices: sorted.map(({ h, d }) => ({
        sopInstanceUid: h.sopInstanceUid,
        frameIndex: h.frameIndex,
        offsetMm: round(d - origin, 3),
        header: h,
      })),
      rows: first.rows,
      columns: first.columns,
      spacing: [pr, pc, round(step, 4)],
      normal,
      orientation,
      excludedLocalizers,
    },
  };
}
