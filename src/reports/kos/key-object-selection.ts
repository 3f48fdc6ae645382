import { isPositive } from '../../inference/findings.ts';
import { aiDeviceOf, contributingEquipment, dicomDateTime, generalEquipment } from '../dicom-output/ai-equipment.ts';
import { evidenceSequence } from '../dicom-output/evidence.ts';
import { writePart10 } from '../dicom-output/part10.ts';
import { stableUid } from '../dicom-output/uid.ts';
import {
  analysisKey,
  type ModelAnalysis,
  OUTPUT_SERIES_NUMBER,
  outputSeriesUid,
  patientStudyOf,
  primaryDecision,
} from '../model-analysis.ts';
import type { OutputObject } from '../output-object.ts';
import { codeItem, container, code, imageItem, textItem } from '../sr/content-items.ts';
import { CODES } from '../sr/codes.ts';

export const KEY_OBJECT_SELECTION = '1.2.840.10008.5.1.4.1.1.88.59';

/** CID 7010 Key Object Selection Document Title "Of Interest" and TID 2010's description concept. */
const OF_INTEREST = code('113000', 'DCM', 'Of Interest');
const KEY_OBJECT_DESCRIPTION = code('113012', 'DCM', 'Key Object Description');

/** Images with a finding positive at the card's primary (balanced) operating point. */
export function positiveImages(a: ModelAnalysis): { sopInstanceUid: string; findings: string[] }[] {
  const out: { sopInstanceUid: string; findings: string[] }[] = [];
  for (const r of a.results) {
    const positive = r.findings.filter((f) => f.key !== 'no_finding' && isPositive(f) && primaryDecision(f.decisions)?.positive);
    if (positive.length && r.sopInstanceUid) out.push({ sopInstanceUid: r.sopInstanceUid, findings: positive.map((f) => f.display) });
  }
  return out;
}

/**
 * A Key Object Selection Document (PS3.3 A.35.4, TID 2010 "Of Interest") flagging the images
 * with a positive finding, so a PACS viewer can jump to them; null when no image is positive.
 */
export function buildKos(a: ModelAnalysis, opts: { manufacturer?: string } = {}): OutputObject | null {
  const flagged = positiveImages(a);
  if (!flagged.length) return null;
  const device = aiDeviceOf(a.model, opts.manufacturer);
  const at = dicomDateTime(a.createdAt);
  const sopInstanceUid = stableUid('readfirst-kos', a.studyInstanceUid, a.model.modelId, a.model.modelVersion, analysisKey(a));
  const seriesInstanceUid = outputSeriesUid(a, 'kos');
  const only = new Set(flagged.map((f) => f.sopInstanceUid));
  const summary = flagged.map((f) => f.findings.join(', ')).join('; ');
  const images = flagged.map((f) => {
    const img = a.images.get(f.sopInstanceUid);
    if (!img) throw new Error('no source header for a flagged image');
    return imageItem('CONTAINS', null, img.sopClassUid, img.sopInstanceUid);
  });
  const natural: Record<string, unknown> = {
    SOPClassUID: KEY_OBJECT_SELECTION,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: at.date,
    InstanceCreationTime: at.time,
    TimezoneOffsetFromUTC: at.offset,
    ...patientStudyOf(a),
    Modality: 'KO',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: OUTPUT_SERIES_NUMBER.kos,
    SeriesDate: at.date,
    SeriesTime: at.time,
    SeriesDescription: `AI key images (${a.model.modelName}): AI-generated`.slice(0, 64),
    ReferencedPerformedProcedureStepSequence: [],
    ...generalEquipment(device),
    ...contributingEquipment(device, at),
    InstanceNumber: 1,
    ContentDate: at.date,
    ContentTime: at.time,
    CurrentRequestedProcedureEvidenceSequence: evidenceSequence(a, only),
    ...container(
      null,
      OF_INTEREST,
      [
        codeItem('HAS CONCEPT MOD', CODES.language, CODES.englishUs),
        textItem(
          'CONTAINS',
          KEY_OBJECT_DESCRIPTION,
          `AI-generated (${a.model.modelName} ${a.model.modelVersion}), not a diagnosis: ${summary}`.slice(0, 1024),
        ),
        ...images,
      ],
      { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }] },
    ),
  };
  return {
    kind: 'kos',
    sopClassUid: KEY_OBJECT_SELECTION,
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid: a.studyInstanceUid,
    bytes: writePart10(natural),
    description: 'key object selection (positive images)',
  };
}
