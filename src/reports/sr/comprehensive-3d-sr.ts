import { aiDeviceOf, contributingEquipment, dicomDateTime, generalEquipment } from '../dicom-output/ai-equipment.ts';
import { writePart10 } from '../dicom-output/part10.ts';
import { stableUid } from '../dicom-output/uid.ts';
import { analysisKey, type ModelAnalysis, OUTPUT_SERIES_NUMBER, outputSeriesUid, patientStudyOf } from '../model-analysis.ts';
import type { OutputObject } from '../output-object.ts';
import { evidenceSequence } from '../dicom-output/evidence.ts';
import { tid1500Content } from './tid1500.ts';

export const COMPREHENSIVE_3D_SR = '1.2.840.10008.5.1.4.1.1.88.34';

/**
 * The AI result as a Comprehensive 3D SR (PS3.3 A.35.13) holding a TID 1500 Measurement Report,
 * in a new series of the source study, per IHE AI Results (AIR) 6.5.3. It is never final:
 * VerificationFlag is UNVERIFIED (the radiologist signs), and the Contributing Equipment names
 * the algorithm (purpose "Processing Algorithm") with software version = model version.
 */
export function buildSr(a: ModelAnalysis, opts: { manufacturer?: string } = {}): OutputObject {
  const device = aiDeviceOf(a.model, opts.manufacturer);
  const at = dicomDateTime(a.createdAt);
  const sopInstanceUid = stableUid('readfirst-sr', a.studyInstanceUid, a.model.modelId, a.model.modelVersion, analysisKey(a));
  const seriesInstanceUid = outputSeriesUid(a, 'sr');
  const natural: Record<string, unknown> = {
    SOPClassUID: COMPREHENSIVE_3D_SR,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: at.date,
    InstanceCreationTime: at.time,
    TimezoneOffsetFromUTC: at.offset,
    ...patientStudyOf(a),
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: OUTPUT_SERIES_NUMBER.sr,
    SeriesDate: at.date,
    SeriesTime: at.time,
    SeriesDescription: `AI results (${a.model.modelName} ${a.model.modelVersion}): AI-generated`.slice(0, 64),
    ReferencedPerformedProcedureStepSequence: [],
    ...generalEquipment(device),
    ...contributingEquipment(device, at),
    InstanceNumber: 1,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    ContentDate: at.date,
    ContentTime: at.time,
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(a),
    ...tid1500Content(a, device),
  };
  return {
    kind: 'sr',
    sopClassUid: COMPREHENSIVE_3D_SR,
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid: a.studyInstanceUid,
    bytes: writePart10(natural),
    description: 'TID 1500 measurement report',
  };
}
