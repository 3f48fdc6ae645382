import type { ModelAnalysis } from '../model-analysis.ts';

/**
 * Hierarchical SOP Instance Reference Macro (PS3.3 C.17.2.1) over every image the model read: the
 * SR's Current Requested Procedure Evidence and the KOS's evidence.
 */
export function evidenceSequence(a: ModelAnalysis, only?: ReadonlySet<string>): Record<string, unknown>[] {
  const bySeries = new Map<string, { ReferencedSOPClassUID: string; ReferencedSOPInstanceUID: string }[]>();
  for (const r of a.results) {
    const img = a.images.get(r.sopInstanceUid ?? '');
    if (!img || (only && !only.has(img.sopInstanceUid))) continue;
    const refs = bySeries.get(img.seriesInstanceUid) ?? [];
    if (!refs.some((x) => x.ReferencedSOPInstanceUID === img.sopInstanceUid))
      refs.push({ ReferencedSOPClassUID: img.sopClassUid, ReferencedSOPInstanceUID: img.sopInstanceUid });
    bySeries.set(img.seriesInstanceUid, refs);
  }
  return [
    {
      StudyInstanceUID: a.studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries].map(([SeriesInstanceUID, ReferencedSOPSequence]) => ({
        SeriesInstanceUID,
        ReferencedSOPSequence,
      })),
    },
  ];
}
