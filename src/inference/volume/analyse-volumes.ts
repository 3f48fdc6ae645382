import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import type { StudyAnalysisDeps } from '../analyse-study.ts';
import { seriesFacts } from '../analyse-study.ts';
import type { HeatmapSource } from '../explain/heatmap.ts';
import { isPositive } from '../findings.ts';
import type { RegisteredModel } from '../registry/model-registry.ts';
import type { InferenceResult, VolumeReading } from '../result.ts';
import { scoreVolume, type VolumeScore } from './score-volume.ts';

/** Whether a model reads whole series (its card declares `volume`). */
export const isVolumeModel = (m: RegisteredModel): boolean => m.pkg.card.volume !== undefined;

async function storeSliceHeatmaps(deps: StudyAnalysisDeps, resultId: string, model: RegisteredModel, score: VolumeScore): Promise<void> {
  const summary = score.summary;
  if (!summary) return;
  const { width, height } = model.pkg.card.input;
  for (const f of score.findings) {
    const cam = score.cams.get(f.key);
    if (!cam || !isPositive(f)) continue;
    const source: HeatmapSource = {
      cam: { width: cam.cam.width, height: cam.cam.height, data: Array.from(cam.cam.data) },
      inputWidth: width,
      inputHeight: height,
      // Volume inputs are stretched to the model grid: no letterbox offset.
      placement: { scaleX: width / summary.columns, scaleY: height / summary.rows, offsetX: 0, offsetY: 0, width, height },
      columns: summary.columns,
      rows: summary.rows,
    };
    const ids = { grey: randomUUID(), colour: randomUUID() };
    for (const kind of ['grey', 'colour'] as const)
      await deps.results.saveHeatmap({
        id: ids[kind],
        resultId,
        findingKey: f.key,
        kind,
        rows: summary.rows,
        columns: summary.columns,
        png: Buffer.alloc(0),
        source,
      });
    f.heatmap = ids;
  }
}

function volumeReading(score: VolumeScore, instanceCount: number): VolumeReading {
  const s = score.summary;
  return {
    kind: 'series',
    instanceCount,
    slices: s?.slices.length ?? 0,
    spacingMm: s ? [...s.spacing] : null,
    excludedLocalizers: s?.excludedLocalizers ?? 0,
    refusal: score.refusal ?? null,
    keySlices: score.keySlices,
    sliceOrder: s ? s.slices.map((x) => ({ sopInstanceUid: x.sopInstanceUid, frameIndex: x.frameIndex })) : [],
    perSlice: score.perSlice,
    headersMs: Math.round(score.timings.headersMs),
    peakRssBytes: score.peakRssBytes,
  };
}

/**
 * Reads every series of a complete study that a volume model (CT, MR) routes: the whole series,
 * once it is complete, never image by image. One result per series and model version, with
 * the key slice of each finding and its heat-map; a series read before with the same number of
 * instances is not read again, one with late slices is.
 */
export async function analyseVolumes(deps: StudyAnalysisDeps, studyUid: string): Promise<void> {
  const existing = await deps.results.listForStudy(studyUid);
  for (const series of await deps.dicomStore.listSeries(studyUid)) {
    const instances = await deps.dicomStore.listInstances(studyUid, series.seriesInstanceUid);
    const models = deps.engine.registry.route(seriesFacts(series, instances[0])).filter(isVolumeModel);
    for (const model of models) {
      const c = model.pkg.card;
      const done = existing.some(
        (r) =>
          r.seriesInstanceUid === series.seriesInstanceUid &&
          r.sopInstanceUid === null &&
          r.model?.modelId === c.id &&
          r.model.modelVersion === c.version &&
          r.status !== 'failed' &&
          r.volume?.instanceCount === instances.length,
      );
      if (done) continue;
      const id = randomUUID();
      let score: VolumeScore;
      try {
        score = await scoreVolume(deps.engine.runPrepared.bind(deps.engine), c, instances, deps.instanceFiles);
        await storeSliceHeatmaps(deps, id, model, score);
      } catch (e) {
        score = {
          status: 'failed',
          statusReason: errorMessage(e),
          summary: null,
          findings: [],
          unclaimedFindings: [],
          perSlice: {},
          keySlices: [],
          cams: new Map(),
          timings: { headersMs: 0, decodeMs: 0, queueMs: 0, inferMs: 0, totalMs: 0 },
          peakRssBytes: 0,
        };
      }
      const t = score.timings;
      const result: InferenceResult = {
        id,
        studyInstanceUid: studyUid,
        seriesInstanceUid: series.seriesInstanceUid,
        sopInstanceUid: null,
        status: score.status,
        statusReason: score.statusReason,
        model: { modelId: c.id, modelName: c.name, modelVersion: c.version, modelSha256: c.sha256, shadow: model.shadow },
        findings: score.findings,
        unclaimedFindings: score.unclaimedFindings,
        gate:
          score.status === 'not-analysable'
            ? { passed: false, reason: score.refusal ?? 'not-analysable', message: score.statusReason ?? '' }
            : null,
        timings: {
          queueMs: Math.round(t.queueMs),
          decodeMs: Math.round(t.decodeMs),
          preprocessMs: Math.round(t.headersMs),
          inferMs: Math.round(t.inferMs),
          totalMs: Math.round(t.totalMs),
        },
        inputSha256: null,
        createdAt: deps.now(),
        aiGenerated: true,
        volume: volumeReading(score, instances.length),
      };
      await deps.results.save(result);
    }
  }
}
