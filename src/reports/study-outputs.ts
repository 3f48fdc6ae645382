import type { DicomStore } from '../dicom/dicom-store.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import type { InferenceResultStore } from '../inference/result.ts';
import type { StoredHeatmap } from '../inference/result-store.ts';
import type { Logger } from '../log/logger.ts';
import { readSourceImage, type SourceImage } from './dicom-output/source-header.ts';
import { buildHeatmapSc } from './heatmap-dicom/secondary-capture.ts';
import { buildKos } from './kos/key-object-selection.ts';
import { groupByModel, type ModelAnalysis } from './model-analysis.ts';
import type { OutputObject } from './output-object.ts';
import { buildSr } from './sr/comprehensive-3d-sr.ts';

export type DicomOutputKind = 'sr' | 'kos' | 'heatmap';

/** What the output writers read, typed: results, heat-map sources, source images. */
export interface StudyOutputDeps {
  results: Pick<InferenceResultStore, 'listForStudy'>;
  heatmaps: { getHeatmap(id: string): Promise<StoredHeatmap | undefined> };
  dicomStore: Pick<DicomStore, 'getInstance'>;
  instanceFiles: InstanceFiles;
  now: () => number;
  outputs: readonly DicomOutputKind[];
  manufacturer: string;
  logger: Logger;
}

/**
 * Writes a study's DICOM outputs from its stored AI results: per live model, one TID 1500 SR, one
 * KOS of the positive images (when any) and one heat-map capture per positive finding and image.
 * UIDs are stable for the same results, so writing twice gives the same objects.
 */
export async function buildStudyOutputs(deps: StudyOutputDeps, studyInstanceUid: string): Promise<OutputObject[]> {
  const out: OutputObject[] = [];
  const groups = groupByModel(await deps.results.listForStudy(studyInstanceUid));
  for (const { model, results } of groups.values()) {
    const images = new Map<string, SourceImage>();
    const bytesOf = new Map<string, Buffer>();
    const readable = [];
    for (const r of results) {
      const inst = r.sopInstanceUid ? await deps.dicomStore.getInstance(r.sopInstanceUid) : undefined;
      if (!inst) {
        deps.logger.warn({ study: studyInstanceUid, result: r.id }, 'source image of an AI result is gone: left out of the outputs');
        continue;
      }
      try {
        const bytes = await deps.instanceFiles.read(inst);
        images.set(inst.sopInstanceUid, readSourceImage(bytes));
        bytesOf.set(inst.sopInstanceUid, bytes);
        readable.push(r);
      } catch (err) {
        deps.logger.error(
          { err, study: studyInstanceUid, result: r.id },
          'source image of an AI result is unreadable: left out of the outputs',
        );
      }
    }
    if (!readable.length) continue;
    const a: ModelAnalysis = { studyInstanceUid, model, results: readable, images, createdAt: deps.now() };
    const opts = { manufacturer: deps.manufacturer };
    if (deps.outputs.includes('sr')) out.push(buildSr(a, opts));
    if (deps.outputs.includes('kos')) {
      const kos = buildKos(a, opts);
      if (kos) out.push(kos);
    }
    if (deps.outputs.includes('heatmap')) {
      let instanceNumber = 1;
      for (const r of readable)
        for (const f of r.findings) {
          if (!f.heatmap) continue;
          const stored = await deps.heatmaps.getHeatmap(f.heatmap.grey);
          const imageBytes = bytesOf.get(r.sopInstanceUid ?? '');
          if (!stored?.source || !imageBytes) continue;
          // A heat-map that cannot be drawn (an image the decoder refuses) must not hold back the SR and KOS.
          try {
            out.push(await buildHeatmapSc(a, { result: r, finding: f, source: stored.source, imageBytes, instanceNumber }, opts));
            instanceNumber++;
          } catch (err) {
            deps.logger.error({ err, study: studyInstanceUid, result: r.id, finding: f.key }, 'heat-map capture could not be written');
          }
        }
    }
  }
  return out;
}
