import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../../test/support/shared-data.ts';
import { assembleVolume } from './assemble.ts';
import { readSliceHeaders, type SliceHeader } from './slice-header.ts';
import { makeCtSeries } from './testing/ct-series.ts';

const headersOf = (files: { bytes: Buffer }[]): SliceHeader[] => files.flatMap((f) => readSliceHeaders(f.bytes));
const series = (o: Partial<Parameters<typeof makeCtSeries>[0]> = {}) =>
  makeCtSeries({ studyUid: '2.25.1', seriesUid: '2.25.1.2', sopPrefix: '2.25.1.2.3', slices: 12, rows: 32, columns: 32, ...o });

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('volume assembly from generated series with known geometry', () => {
  it('orders slices along the normal, whatever their arrival order and instance numbers, and derives the spacing', () => {
    const files = series({ pixelSpacing: [0.7, 0.8], sliceSpacing: 2.5 });
    const inOrder = assembleVolume(headersOf(files));
    const mixed = assembleVolume(headersOf(shuffled(files, 42)));
    expect(inOrder.ok && mixed.ok).toBe(true);
    if (!inOrder.ok || !mixed.ok) return;
    expect(mixed.plan.slices.map((s) => s.sopInstanceUid)).toEqual(files.map((f) => f.sopUid));
    expect(inOrder.plan.slices.map((s) => s.sopInstanceUid)).toEqual(mixed.plan.slices.map((s) => s.sopInstanceUid));
    expect(mixed.plan.spacing).toEqual([0.7, 0.8, 2.5]);
    expect(mixed.plan.slices.at(-1)?.offsetMm).toBeCloseTo(27.5, 6);
  });

  it('sorts by the normal of an oblique orientation, not by z', () => {
    const c = Math.SQRT1_2;
    const files = series({ orientation: [1, 0, 0, 0, c, -c], sliceSpacing: 3 });
    const out = assembleVolume(headersOf(shuffled(files, 7)));
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.plan.slices.map((s) => s.sopInstanceUid)).toEqual(files.map((f) => f.sopUid));
      expect(out.plan.spacing[2]).toBeCloseTo(3, 6);
    }
  });

  it.each([
    ['missing-slices', () => headersOf(series().filter((_, i) => i !== 5 && i !== 6)), /2 slice\(s\) missing/],
    ['duplicate-slices', () => headersOf([...series(), ...series({ sopPrefix: '2.25.9' }).slice(3, 4)]), /occur more than once/],
    ['uneven-spacing', () => headersOf(series({ offsets: [0, 5, 10, 15, 21, 26, 31, 36, 41, 46, 51, 56] })), /gaps range from 5 to 6 mm/],
    ['gantry-tilt', () => headersOf(series({ tiltDegrees: 15 })), /gantry tilt of 15°/],
    ['too-few-slices', () => headersOf(series({ slices: 2 })), /2 slice\(s\)/],
    ['only-localizers', () => headersOf(series({ slices: 2, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] })), /only 2 localiser/],
  ])('refuses %s with a reason in words', (reason, make, message) => {
    const out = assembleVolume(make());
    expect(out).toMatchObject({ ok: false, reason });
    if (!out.ok) expect(out.message).toMatch(message);
  });

  it('refuses mixed orientations and several acquisitions at one position', () => {
    const a = series();
    const b = series({ sopPrefix: '2.25.5', orientation: [0, 1, 0, 0, 0, -1] });
    expect(assembleVolume(headersOf([...a, ...b.slice(0, 1)]))).toMatchObject({ ok: false, reason: 'mixed-orientations' });
    const derived = series({ sopPrefix: '2.25.6', imageType: ['DERIVED', 'SECONDARY', 'AXIAL'] });
    expect(assembleVolume(headersOf([...a, ...derived]))).toMatchObject({ ok: false, reason: 'several-acquisitions' });
  });

  it('leaves a localiser out of the volume and counts it', () => {
    const scout = series({
      sopPrefix: '2.25.7',
      slices: 1,
      orientation: [0, 1, 0, 0, 0, -1],
      imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'],
    });
    const out = assembleVolume(headersOf([...scout, ...series()]));
    expect(out).toMatchObject({ ok: true, plan: { excludedLocalizers: 1 } });
  });
});

describe('volume assembly of real series (../shared/data/dicom-volumes)', () => {
  const root = join(sharedDir, 'data', 'dicom-volumes');
  const read = (dir: string, only?: RegExp): SliceHeader[] =>
    readdirSync(join(root, dir))
      .filter((f) => (only ? only.test(f) : !/\.(txt|md|png|sha256)$|^DICOMDIR$|^DIRFILE$|^SOURCE/.test(f)))
      .flatMap((f) => readSliceHeaders(readFileSync(join(root, dir, f))));

  it('assembles the clean Philips head phantom: 28 slices, 5 mm apart', () => {
    const out = assembleVolume(read('ct-head-phantom-philips'));
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.plan.slices).toHaveLength(28);
      expect(out.plan.spacing[2]).toBeCloseTo(5, 3);
      expect(out.plan.slices.map((s) => s.offsetMm)).toEqual([...out.plan.slices.map((s) => s.offsetMm)].sort((x, y) => x - y));
    }
  });

  it('refuses the GE head with an 18.5° gantry tilt', () => {
    const out = assembleVolume(read('ct-head-ge-tilted'));
    expect(out).toMatchObject({ ok: false, reason: 'gantry-tilt' });
    if (!out.ok) expect(out.message).toMatch(/18\.5°/);
  });

  it('assembles the oblique GE brain MR (slices about 7 mm apart)', () => {
    const out = assembleVolume(read('mr-brain-ge'));
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.plan.spacing[2]).toBeCloseTo(6.97, 1);
  });

  it('reads per-frame geometry of an enhanced MR and refuses its three time points as one volume', () => {
    const headers = read('mr-enhanced-philips', /3DpCASL\.dcm$/);
    expect(headers).toHaveLength(240);
    expect(new Set(headers.map((h) => h.position?.join(','))).size).toBeGreaterThan(1);
    expect(assembleVolume(headers)).toMatchObject({ ok: false, reason: 'several-acquisitions' });
  });
});
