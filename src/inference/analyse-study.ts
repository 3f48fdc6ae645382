import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors.ts';
import type { DicomStore, InstanceRecord, SeriesRecord } from '../dicom/dicom-store.ts';
import type { InstanceFiles } from '../files/instance-files.ts';
import type { AnalysisStatus, StudyAnalysedEvent } from '../events/types.ts';
import type { InferenceEngine, ImageScore } from './engine.ts';
import type { HeatmapSource } from './explain/heatmap.ts';
import { isPositive } from './findings.ts';
import type { RegisteredModel } from './registry/model-registry.ts';
import type { SeriesFacts } from './registry/routing.ts';
import type { InferenceResult } from './result.ts';
import type { SqlInferenceResultStore } from './result-store.ts';

export interface StudyAnalysisDeps {
  engine: InferenceEngine;
  results: SqlInferenceResultStore;
  dicomStore: DicomStore;
  instanceFiles: InstanceFiles;
  now: () => number;
  /** Instances read per series at most (projection radiographs have one or two). */
  maxInstancesPerSeries?: number;
}

export const NO_MODEL_REASON = 'no AI model for this study';

function factsOf(series: SeriesRecord, instance: InstanceRecord | undefined): SeriesFacts {
  return {
    modality: series.modality,
    bodyPart: series.bodyPartExamined,
    viewPosition: series.viewPosition,
    sopClassUid: instance?.sopClassUid ?? null,
    imageType: (instance?.imageType ?? '').split('\\').filter(Boolean),
  };
}

/**
 * Stores the heat-map of every positive finding: its CAM and placement now (a few hundred
 * numbers), the grey and colour PNGs on first request (routes.ts), so analysis never waits on
 * encoding two full-size PNGs per finding.
 */
async function storeHeatmaps(results: SqlInferenceResultStore, resultId: string, score: ImageScore): Promise<void> {
  const ex = score.explain;
  if (!ex) return;
  for (const f of score.findings) {
    const cam = ex.cams.get(f.key);
    // "no finding" has nothing to localise: its map would only mislead.
    if (!cam || !isPositive(f) || f.key === 'no_finding') continue;
    const source: HeatmapSource = {
      cam: { width: cam.width, height: cam.height, data: Array.from(cam.data) },
      inputWidth: ex.input.dims[2],
      inputHeight: ex.input.dims[1],
      placement: ex.input.placement,
      columns: ex.columns,
      rows: ex.rows,
    };
    const ids = { grey: randomUUID(), colour: randomUUID() };
    for (const kind of ['grey', 'colour'] as const)
      await results.saveHeatmap({ id: ids[kind], resultId, findingKey: f.key, kind, rows: ex.rows, columns: ex.columns, png: Buffer.alloc(0), source });
    f.heatmap = ids;
  }
}

function toResult(id: string, studyUid: string, inst: InstanceRecord, model: RegisteredModel, score: ImageScore, createdAt: number): InferenceResult {
  const c = model.pkg.card;
  return {
    id,
    studyInstanceUid: studyUid,
    seriesInstanceUid: inst.seriesInstanceUid,
    sopInstanceUid: inst.sopInstanceUid,
    status: score.status,
    statusReason: score.statusReason,
    model: { modelId: c.id, modelName: c.name, modelVersion: c.version, modelSha256: c.sha256, shadow: model.shadow },
    findings: score.findings,
    unclaimedFindings: score.unclaimedFindings,
    gate: score.gate,
    timings: score.timings,
    inputSha256: score.inputSha256,
    createdAt,
    aiGenerated: true,
  };
}

/** The study's status for triage, from its live (non-shadow) results. */
export function studyStatus(results: readonly InferenceResult[]): AnalysisStatus {
  const live = results.filter((r) => !r.model?.shadow);
  if (live.some((r) => r.status === 'analysed')) return 'analysed';
  if (live.some((r) => r.status === 'not-analysable')) return 'not-analysable';
  if (live.some((r) => r.status === 'failed')) return 'failed';
  return 'no-model';
}

/**
 * Reads a complete study: routes each series to its models, scores each instance, stores one
 * result per instance and model (with heat-maps for positive findings), and returns the
 * `study.analysed` payload. A study no live model reads gets a stored "no AI model for this
 * study" result, so it is visible and keeps its order priority; it is never dropped.
 */
export async function analyseStudy(deps: StudyAnalysisDeps, studyUid: string): Promise<StudyAnalysedEvent> {
  const results: InferenceResult[] = [];
  // A study re-completed by late instances: images a model already read (same version) are not
  // read again; their results stay part of the study's answer.
  const earlier = new Map<string, InferenceResult>();
  for (const r of await deps.results.listForStudy(studyUid))
    if (r.sopInstanceUid && r.model && r.status !== 'failed') earlier.set(`${r.sopInstanceUid}|${r.model.modelId}|${r.model.modelVersion}`, r);
  const seriesList = await deps.dicomStore.listSeries(studyUid);
  const jobs: Promise<void>[] = [];
  for (const series of seriesList) {
    const instances = (await deps.dicomStore.listInstances(studyUid, series.seriesInstanceUid)).slice(0, deps.maxInstancesPerSeries ?? 8);
    for (const inst of instances) {
      for (const model of deps.engine.registry.route(factsOf(series, inst))) {
        const done = earlier.get(`${inst.sopInstanceUid}|${model.pkg.card.id}|${model.pkg.card.version}`);
        if (done) {
          results.push(done);
          continue;
        }
        jobs.push(
          (async () => {
            const id = randomUUID();
            let score: ImageScore;
            try {
              const bytes = await deps.instanceFiles.read(inst);
              score = await deps.engine.scoreImage(model.pkg.card.id, { kind: 'dicom', bytes });
              await storeHeatmaps(deps.results, id, score);
            } catch (e) {
              score = { status: 'failed', statusReason: errorMessage(e), gate: null, findings: [], unclaimedFindings: [], timings: { queueMs: 0, decodeMs: 0, preprocessMs: 0, inferMs: 0, totalMs: 0 }, inputSha256: inst.sha256, meta: null };
            }
            const r = toResult(id, studyUid, inst, model, score, deps.now());
            await deps.results.save(r);
            results.push(r);
          })(),
        );
      }
    }
  }
  await Promise.all(jobs);
  let status = studyStatus(results);
  if (status === 'no-model') {
    const none: InferenceResult = {
      id: randomUUID(), studyInstanceUid: studyUid, seriesInstanceUid: null, sopInstanceUid: null, status: 'no-model',
      statusReason: NO_MODEL_REASON, model: null, findings: [], gate: null, timings: null, inputSha256: null, createdAt: deps.now(), aiGenerated: true,
    };
    await deps.results.save(none);
    results.push(none);
    status = 'no-model';
  }
  return { studyInstanceUid: studyUid, status, resultIds: results.map((r) => r.id), analysedAt: deps.now() };
}
