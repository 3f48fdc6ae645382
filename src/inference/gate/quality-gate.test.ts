import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../../test/support/shared-data.ts';
import { modelCardSchema } from '../models/model-card.ts';
import { UNCOMPRESSED, derive, pixelBytes, setString } from '../testing/dicom-fixtures.ts';
import { tinyCard } from '../testing/tiny-package.ts';
import { readImageMeta } from '../preprocess/image-meta.ts';
import { dicomToUnitImage } from '../preprocess/dicom-input.ts';
import { rasterToUnitImage } from '../preprocess/raster.ts';
import { UNIT, type UnitImage } from '../preprocess/window.ts';
import { checkOod, diagMahalanobis } from './ood.ts';
import { checkHeader, checkPixels } from './quality-gate.ts';

const card = modelCardSchema.parse(tinyCard(224, '0'.repeat(64), [0, 0, 0, 0]));

async function gateDicom(path: string) {
  const bytes = readFileSync(path);
  const meta = readImageMeta(bytes);
  const header = checkHeader(meta, card);
  if (!header.passed) return header;
  return await checkPixels(await dicomToUnitImage(bytes, meta, 'dicom-voi-else-percentile'));
}

describe('input-quality gate', () => {
  it('passes the real chest X-rays', async () => {
    expect((await gateDicom(derive(UNCOMPRESSED, 'chest-pa.dcm', (d) => setString(d, '00185101', 'CS', 'PA')))).passed).toBe(true);
  });

  it('rejects a lateral view (ViewPosition LL) with reason lateral-view', async () => {
    const lat = derive(UNCOMPRESSED, 'lateral.dcm', (d) => setString(d, '00185101', 'CS', 'LL'));
    expect(await gateDicom(lat)).toMatchObject({
      passed: false,
      reason: 'lateral-view',
      message: expect.stringMatching(/lateral view \(LL\)/) as unknown,
    });
  });

  it('rejects a lateral view named only in the series description', async () => {
    const lat = derive(UNCOMPRESSED, 'lateral-desc.dcm', (d) => setString(d, '0008103E', 'LO', 'CHEST LAT'));
    expect(await gateDicom(lat)).toMatchObject({ passed: false, reason: 'lateral-view' });
  });

  it('rejects a child when the card sets a minimum age, and passes an adult or an unknown age', async () => {
    const adultOnly = modelCardSchema.parse({
      ...tinyCard(224, '0'.repeat(64), [0, 0, 0, 0]),
      applicability: { ...card.applicability, minPatientAgeYears: 18 },
    });
    const child = derive(UNCOMPRESSED, 'child.dcm', (d) => setString(d, '00101010', 'AS', '004Y'));
    const meta = readImageMeta(readFileSync(child));
    expect(meta.patientAgeYears).toBe(4);
    expect(checkHeader(meta, adultOnly)).toMatchObject({ passed: false, reason: 'patient-age' });
    expect(checkHeader({ ...meta, patientAgeYears: 40 }, adultOnly).passed).toBe(true);
    expect(checkHeader({ ...meta, patientAgeYears: null }, adultOnly).passed).toBe(true);
  });

  it('rejects a non-chest body part and a wrong modality', async () => {
    const knee = derive(UNCOMPRESSED, 'knee.dcm', (d) => setString(d, '00180015', 'CS', 'KNEE'));
    expect(await gateDicom(knee)).toMatchObject({
      passed: false,
      reason: 'wrong-body-part',
      message: 'body part KNEE is not one this model reads (CHEST)',
    });
    const ct = derive(UNCOMPRESSED, 'ct.dcm', (d) => setString(d, '00080060', 'CS', 'CT'));
    expect(await gateDicom(ct)).toMatchObject({ passed: false, reason: 'wrong-modality' });
  });

  it('rejects a blank image', async () => {
    const blank = derive(UNCOMPRESSED, 'blank.dcm', (d) => pixelBytes(d).fill(117));
    expect(await gateDicom(blank)).toMatchObject({ passed: false, reason: 'blank' });
  });

  it('rejects a saturated image', async () => {
    const burnt = derive(UNCOMPRESSED, 'burnt.dcm', (d) => {
      const px = pixelBytes(d);
      for (let i = 0; i < px.length * 0.7; i++) px[i] = 255;
      setString(d, '00281050', 'DS', '100');
      setString(d, '00281051', 'DS', '100');
    });
    expect(await gateDicom(burnt)).toMatchObject({ passed: false, reason: 'saturated' });
  });

  it('rejects an image too small for the model', () => {
    expect(checkHeader({ modality: 'DX', bodyPart: null, viewPosition: null, rows: 32, columns: 48 }, card)).toMatchObject({
      passed: false,
      reason: 'too-small',
      message: "image is 48×32, smaller than the model's minimum 64×64",
    });
  });

  it('rejects inverted and 90°-rotated pixels, and rotation from PatientOrientation', async () => {
    const img = await rasterToUnitImage(readFileSync(join(sharedDir, 'data', 'nih-cxr14-621', 'images', '00000100_000.jpg')));
    expect((await checkPixels(img)).passed).toBe(true);
    const inverted: UnitImage = { ...img, data: img.data.map((v) => UNIT - v) };
    expect(await checkPixels(inverted)).toMatchObject({ passed: false, reason: 'inverted' });
    const rotated = new Uint16Array(img.data.length);
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) rotated[x * img.height + (img.height - 1 - y)] = img.data[y * img.width + x] ?? 0;
    expect(await checkPixels({ ...img, width: img.height, height: img.width, data: rotated })).toMatchObject({
      passed: false,
      reason: 'rotated',
    });
    expect(
      checkHeader({ modality: 'DX', bodyPart: 'CHEST', viewPosition: 'PA', rows: 512, columns: 512, patientOrientation: ['F', 'L'] }, card),
    ).toMatchObject({ reason: 'rotated' });
    expect(
      checkHeader({ modality: 'DX', bodyPart: 'CHEST', viewPosition: 'PA', rows: 512, columns: 512, patientOrientation: ['L', 'F'] }, card)
        .passed,
    ).toBe(true);
  });

  it('rejects out-of-distribution features by diagonal Mahalanobis distance', () => {
    expect(diagMahalanobis(Float32Array.from([3, 4]), [0, 0], [1, 1])).toBe(5);
    const c = { ...card, ood: { output: 'features', method: 'diag-mahalanobis' as const, mean: [0, 0], std: [1, 2], threshold: 3 } };
    expect(checkOod(Float32Array.from([1, 2]), c)).toMatchObject({ passed: true, measures: { oodDistance: Math.SQRT2, oodThreshold: 3 } });
    expect(checkOod(Float32Array.from([3, 4]), c)).toMatchObject({ passed: false, reason: 'ood' });
  });
});
