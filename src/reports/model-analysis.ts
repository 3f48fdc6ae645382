import type { InferenceResult, ModelProvenance } from '../inference/result.ts';
import type { SourceImage } from './dicom-output/source-header.ts';
import { stableUid } from './dicom-output/uid.ts';

/**
 * What every output writer reads: one live model's analysed results for one study, with the
 * headers of the images it read. One SR, one KOS and the heat-maps are written per model.
 */
export interface ModelAnalysis {
  studyInstanceUid: string;
  model: ModelProvenance;
  /** This model's results with status "analysed", one per image; each has its sopInstanceUid. */
  results: readonly InferenceResult[];
  /** Source image headers by SOP instance UID (every result's image is present). */
  images: ReadonlyMap<string, SourceImage>;
  /** Epoch ms: content date/time of the outputs. */
  createdAt: number;
}

/** The kinds of object readfirst writes back, and their series. */
export type OutputKind = 'sr' | 'kos' | 'heatmap';

/**
 * Groups a study's results by live model (shadow models never leave readfirst) and keeps only
 * analysed images. Models without an analysed image produce no outputs.
 */
export function groupByModel(results: readonly InferenceResult[]): Map<string, { model: ModelProvenance; results: InferenceResult[] }> {
  const out = new Map<string, { model: ModelProvenance; results: InferenceResult[] }>();
  for (const r of results) {
    if (r.status !== 'analysed' || !r.model || r.model.shadow || !r.sopInstanceUid) continue;
    const key = `${r.model.modelId}@${r.model.modelVersion}`;
    const g = out.get(key) ?? { model: r.model, results: [] };
    g.results.push(r);
    out.set(key, g);
  }
  return out;
}

/** A stable key for one analysis: the same results give the same output UIDs (no duplicates in the PACS). */
export function analysisKey(a: ModelAnalysis): string {
  return [...a.results]
    .map((r) => r.id)
    .sort()
    .join(',');
}

/** The output series of a kind for this study and model: the same across re-analyses. */
export function outputSeriesUid(a: ModelAnalysis, kind: OutputKind): string {
  return stableUid('readfirst-series', kind, a.studyInstanceUid, a.model.modelId, a.model.modelVersion);
}

/** Series numbers of the output series, high so they sort after the acquired images. */
export const OUTPUT_SERIES_NUMBER: Record<OutputKind, number> = { sr: 9901, kos: 9902, heatmap: 9903 };

/** Attributes from the source study's first image (Patient and General Study modules). */
export function patientStudyOf(a: ModelAnalysis): Record<string, unknown> {
  const first = a.images.values().next().value;
  const ps = first?.patientStudy ?? {};
  return {
    PatientName: ps.PatientName ?? '',
    PatientID: ps.PatientID ?? '',
    PatientBirthDate: ps.PatientBirthDate ?? '',
    PatientSex: ps.PatientSex ?? '',
    ...(ps.IssuerOfPatientID !== undefined ? { IssuerOfPatientID: ps.IssuerOfPatientID } : {}),
    ...(ps.SpecificCharacterSet !== undefined ? { SpecificCharacterSet: ps.SpecificCharacterSet } : {}),
    StudyInstanceUID: a.studyInstanceUid,
    StudyDate: ps.StudyDate ?? '',
    StudyTime: ps.StudyTime ?? '',
    ReferringPhysicianName: ps.ReferringPhysicianName ?? '',
    StudyID: ps.StudyID ?? '',
    AccessionNumber: ps.AccessionNumber ?? '',
    ...(ps.StudyDescription !== undefined ? { StudyDescription: ps.StudyDescription } : {}),
  };
}

/** The primary operating point of a card: "balanced" when present, else the first. */
export function primaryDecision<T extends { name: string }>(decisions: readonly T[]): T | undefined {
  return decisions.find((d) => d.name === 'balanced') ?? decisions[0];
}
