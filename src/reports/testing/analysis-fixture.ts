import { readFileSync } from 'node:fs';
import { samplePath } from '../../../test/support/shared-data.ts';
import type { FindingResult, InferenceResult, ModelProvenance } from '../../inference/result.ts';
import { readSourceImage } from '../dicom-output/source-header.ts';
import type { ModelAnalysis } from '../model-analysis.ts';

export const FIXTURE_MODEL: ModelProvenance = {
  modelId: 'tiny-cxr',
  modelName: 'tiny test model',
  modelVersion: '0.0.1',
  modelSha256: 'ab'.repeat(32),
  shadow: false,
};

/** A finding with the tiny card's two operating points (0.3 high-sensitivity, 0.5 balanced). */
export function fixtureFinding(key: string, code: string, display: string, probability: number): FindingResult {
  return {
    key,
    display,
    code: { system: 'http://snomed.info/sct', code, display },
    probability,
    decisions: [
      { name: 'high-sensitivity', threshold: 0.3, positive: probability >= 0.3, sensitivity: 0.9, specificity: 0.5 },
      { name: 'balanced', threshold: 0.5, positive: probability >= 0.5, sensitivity: 0.75, specificity: 0.8 },
    ],
  };
}

/**
 * A fixed analysis of the real shared DX sample (no model run): pneumothorax 0.62 (positive at
 * both points), effusion 0.4 (positive only at high sensitivity), cardiomegaly 0.1.
 */
export function fixtureAnalysis(): { analysis: ModelAnalysis; imageBytes: Buffer } {
  const imageBytes = readFileSync(samplePath('nccid-dx-uncompressed.dcm'));
  const img = readSourceImage(imageBytes);
  const study = String(img.patientStudy.StudyInstanceUID);
  const result: InferenceResult = {
    id: 'fixture-result-1',
    studyInstanceUid: study,
    seriesInstanceUid: img.seriesInstanceUid,
    sopInstanceUid: img.sopInstanceUid,
    status: 'analysed',
    model: FIXTURE_MODEL,
    findings: [
      fixtureFinding('pneumothorax', '36118008', 'Pneumothorax', 0.62),
      fixtureFinding('effusion', '60046008', 'Pleural effusion', 0.4),
      fixtureFinding('cardiomegaly', '8186001', 'Cardiomegaly', 0.1),
    ],
    gate: null,
    timings: null,
    inputSha256: null,
    createdAt: 0,
    aiGenerated: true,
  };
  return {
    analysis: {
      studyInstanceUid: study,
      model: FIXTURE_MODEL,
      results: [result],
      images: new Map([[img.sopInstanceUid, img]]),
      createdAt: Date.UTC(2026, 11, 1, 8, 0, 0),
    },
    imageBytes,
  };
}
