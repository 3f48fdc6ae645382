import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DicomMetaDictionary, readPart10 } from '../dicom/parse/dcmjs.ts';
import { buildHeatmapSc, SECONDARY_CAPTURE } from './heatmap-dicom/secondary-capture.ts';
import { buildKos, KEY_OBJECT_SELECTION } from './kos/key-object-selection.ts';
import { outputSeriesUid } from './model-analysis.ts';
import { buildSr, COMPREHENSIVE_3D_SR } from './sr/comprehensive-3d-sr.ts';
import { readSr } from './sr/read-sr.ts';
import { fixtureAnalysis } from './testing/analysis-fixture.ts';
import { dciodvfy, dsrdump } from './testing/dicom-tools.ts';

const here = dirname(fileURLToPath(import.meta.url));
const natural = (b: Uint8Array): Record<string, unknown> => DicomMetaDictionary.naturalizeDataset(readPart10(b).dict);

describe('DICOM output writers', () => {
  const { analysis, imageBytes } = fixtureAnalysis();
  const source = analysis.images.values().next().value;
  if (!source) throw new Error('fixture has no image');

  it('writes a TID 1500 Comprehensive 3D SR that dciodvfy accepts and dsrdump shows as the expected tree', () => {
    const sr = buildSr(analysis);
    const check = dciodvfy(sr.bytes);
    expect(check.iod).toBe('Comprehensive3DSR');
    expect(check.errors).toEqual([]);
    const tree = dsrdump(sr.bytes, ['+Pc']);
    const body = tree.slice(tree.indexOf('<CONTAINER'));
    expect(body).toBe(readFileSync(join(here, 'sr', 'tid1500.golden.txt'), 'utf8'));
    expect(tree).toContain('Verification Flag   : UNVERIFIED');
  });

  it('puts the SR in a new AI series of the same study, with the model as Contributing Equipment', () => {
    const sr = buildSr(analysis);
    const ds = natural(sr.bytes);
    expect(ds.SOPClassUID).toBe(COMPREHENSIVE_3D_SR);
    expect(ds.StudyInstanceUID).toBe(analysis.studyInstanceUid);
    expect(ds.SeriesInstanceUID).toBe(outputSeriesUid(analysis, 'sr'));
    expect(ds.SeriesInstanceUID).not.toBe(source.seriesInstanceUid);
    expect(ds.PatientID).toBe(source.patientStudy.PatientID);
    expect(String(ds.SeriesDescription)).toContain('AI-generated');
    const reading = readSr(sr.bytes);
    expect(reading.contributingEquipment).toEqual([
      {
        purpose: 'Processing Algorithm',
        manufacturer: 'readfirst',
        modelName: 'tiny test model',
        softwareVersion: '0.0.1',
        deviceUid: expect.stringMatching(/^2\.25\.\d+$/) as string,
      },
    ]);
    // The same results always give the same object: a retried or repeated write is one object in the PACS.
    expect(buildSr(analysis).sopInstanceUid).toBe(sr.sopInstanceUid);
  });

  it('reads the SR back to the same findings, probabilities and decisions', () => {
    const reading = readSr(buildSr(analysis).bytes);
    const result = analysis.results[0];
    expect(reading.algorithm).toEqual({ name: 'tiny test model', version: '0.0.1' });
    expect(reading.findings).toEqual(
      result?.findings.map((f) => ({
        code: { CodeValue: f.code.code, CodingSchemeDesignator: 'SCT', CodeMeaning: f.code.display },
        sopInstanceUid: source.sopInstanceUid,
        probability: f.probability,
        decisions: f.decisions.map((d) => ({ operatingPoint: d.name, threshold: d.threshold, present: d.positive })),
      })),
    );
  });

  it('writes a Key Object Selection flagging only images positive at the balanced point', () => {
    const kos = buildKos(analysis);
    if (!kos) throw new Error('expected a KOS');
    const check = dciodvfy(kos.bytes);
    expect(check.iod).toBe('KeyObjectSelectionDocument');
    expect(check.errors).toEqual([]);
    const ds = natural(kos.bytes);
    expect(ds.SOPClassUID).toBe(KEY_OBJECT_SELECTION);
    expect(ds.Modality).toBe('KO');
    expect(dsrdump(kos.bytes, ['+Pc'])).toContain('<CONTAINER:(113000,DCM,"Of Interest")=SEPARATE>');
    const items = ds.ContentSequence as Record<string, unknown>[];
    const description = String(items.find((i) => i.ValueType === 'TEXT')?.TextValue);
    expect(description).toContain('Pneumothorax');
    expect(description).not.toContain('Pleural effusion');
    const images = items
      .filter((i) => i.ValueType === 'IMAGE')
      .map((i) => (i.ReferencedSOPSequence as Record<string, unknown>[])[0]?.ReferencedSOPInstanceUID);
    expect(images).toEqual([source.sopInstanceUid]);
    const first = analysis.results[0];
    if (!first) throw new Error('no result');
    const negative = {
      ...analysis,
      results: [
        {
          ...first,
          findings: first.findings.map((f) => ({
            ...f,
            probability: 0.01,
            decisions: f.decisions.map((d) => ({ ...d, positive: false })),
          })),
        },
      ],
    };
    expect(buildKos(negative)).toBeNull();
  });

  it('writes a heat-map Secondary Capture: valid, RGB, derived from its source image, in the same study', async () => {
    const finding = analysis.results[0]?.findings[0];
    const result = analysis.results[0];
    if (!finding || !result) throw new Error('no finding');
    const cam = { width: 4, height: 4, data: [0, 0, 0, 0, 0, 1, 2, 0, 0, 2, 5, 0, 0, 0, 0, 0] };
    const sc = await buildHeatmapSc(analysis, {
      result,
      finding,
      imageBytes,
      instanceNumber: 1,
      source: {
        cam,
        inputWidth: 32,
        inputHeight: 32,
        placement: { scaleX: 32 / 1024, scaleY: 32 / 1024, offsetX: 0, offsetY: 0, width: 32, height: 32 },
        columns: 1024,
        rows: 1024,
      },
    });
    const check = dciodvfy(sc.bytes);
    expect(check.iod).toBe('SCImage');
    expect(check.errors).toEqual([]);
    const ds = natural(sc.bytes);
    expect(ds).toMatchObject({
      SOPClassUID: SECONDARY_CAPTURE,
      StudyInstanceUID: analysis.studyInstanceUid,
      PhotometricInterpretation: 'RGB',
      SamplesPerPixel: 3,
      Rows: 1024,
      Columns: 1024,
      BurnedInAnnotation: 'NO',
    });
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY']);
    expect((ds.SourceImageSequence as Record<string, unknown>[])[0]?.ReferencedSOPInstanceUID).toBe(source.sopInstanceUid);
    // The map is burned in where the CAM peaks (lower right of centre): red there, grey in a corner.
    const v = readPart10(sc.bytes).dict['7FE00010']?.Value?.[0];
    const px = ArrayBuffer.isView(v)
      ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
      : v instanceof ArrayBuffer
        ? new Uint8Array(v)
        : new Uint8Array(0);
    expect(px.length).toBe(1024 * 1024 * 3);
    const at = (x: number, y: number): number[] => Array.from(px.subarray((y * 1024 + x) * 3, (y * 1024 + x) * 3 + 3));
    const [r, g, b] = at(640, 640);
    expect((r ?? 0) - (b ?? 0)).toBeGreaterThan(60);
    expect(g).toBeLessThan(200);
    const corner = at(5, 1018);
    expect(new Set(corner).size).toBe(1);
  });
});
