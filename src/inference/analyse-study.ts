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

/** What routing sees of a series (its first instance stands for the SOP class and image type). */
export function seriesFacts(series: SeriesRecord, instance: InstanceRecord | undefined): SeriesFacts {
  return {
    seriesDescription: series.seriesDescription,
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
      await results.saveHeatmap({
        id: ids[kind],
        resultId,
        findingKey: f.key,
        kind,
        rows: ex.rows,
        columns: ex.columns,
        png: Buffer.alloc(0),
        source,
      });
    f.heatmap = ids;
  }
}

function toResult(
  id: string,
  studyUid: string,
  inst: InstanceRecord,
  model: RegisteredModel,
  score: ImageScore,
  createdAt: number,
): InferenceResult {
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

type ReadingCause = { sopInstanceUid: string | null; complete: boolean };

/** The reading `study.analysed` carries, from the study's stored results (every one so far). */
export function readingOf(
  studyUid: string,
  results: readonly InferenceResult[],
  cause: ReadingCause,
  analysedAt: number,
): StudyAnalysedEvent {
  return { studyInstanceUid: studyUid, status: studyStatus(results), resultIds: results.map((r) => r.id), analysedAt, ...cause };
}

/** The study's reading as `study.analysed` carries it: every result stored for it so far. */
export async function studyReading(
  deps: Pick<StudyAnalysisDeps, 'results' | 'now'>,
  studyUid: string,
  cause: ReadingCause,
): Promise<StudyAnalysedEvent> {
  return readingOf(studyUid, await deps.results.listForStudy(studyUid), cause, deps.now());
}

const doneKey = (sop: string, model: RegisteredModel): string => `${sop}|${model.pkg.card.id}|${model.pkg.card.version}`;

/**
 * Reads one stored image (score on arrival): routes it by its series, scores it with each model
 * that has not read it yet (same version; a failed reading is retried), and stores one result per
 * model, with heat-maps for positive findings. An image no live model reads gets a stored
 * "no AI model for this study" result, so its study is visible with its order priority and
 * never waits for a reading that will not come. A series gets at most `maxInstancesPerSeries`
 * readings per model (projection radiographs have one or two images).
 */
export async function analyseInstance(
  deps: StudyAnalysisDeps,
  job: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string },
): Promise<void> {
  const studyUid = job.studyInstanceUid;
  const inst = await deps.dicomStore.getInstance(job.sopInstanceUid);
  if (!inst) return;
  const series = (await deps.dicomStore.listSeries(studyUid)).find((s) => s.seriesInstanceUid === inst.seriesInstanceUid);
  if (!series) return;
  const existing = await deps.results.listForStudy(studyUid);
  const done = new Set(
    existing
      .filter((r) => r.sopInstanceUid && r.model && r.status !== 'failed')
      .map((r) => `${r.sopInstanceUid}|${r.model?.modelId}|${r.model?.modelVersion}`),
  );
  const routed = deps.engine.registry.route(seriesFacts(series, inst));
  // A volume model reads the whole series at completion (volume/analyse-volumes.ts), never one slice.
  const models = routed.filter((m) => m.pkg.card.volume === undefined);
  if (models.length === 0 && routed.length > 0) return;
  if (models.length === 0) {
    if (existing.some((r) => r.sopInstanceUid === inst.sopInstanceUid)) return;
    await deps.results.save({
      id: randomUUID(),
      studyInstanceUid: studyUid,
      seriesInstanceUid: inst.seriesInstanceUid,
      sopInstanceUid: inst.sopInstanceUid,
      status: 'no-model',
      statusReason: NO_MODEL_REASON,
      model: null,
      findings: [],
      gate: null,
      timings: null,
      inputSha256: null,
      createdAt: deps.now(),
      aiGenerated: true,
    });
    return;
  }
  const cap = deps.maxInstancesPerSeries ?? 8;
  const todo = models.filter((m) => {
    if (done.has(doneKey(inst.sopInstanceUid, m))) return false;
    const read = new Set(
      existing
        .filter(
          (r) =>
            r.seriesInstanceUid === inst.seriesInstanceUid &&
            r.model?.modelId === m.pkg.card.id &&
            r.sopInstanceUid !== inst.sopInstanceUid,
        )
        .map((r) => r.sopInstanceUid),
    );
    return read.size < cap;
  });
  if (todo.length === 0) return;
  let bytes: Buffer | null = null;
  let readError: unknown = null;
  try {
    bytes = await deps.instanceFiles.read(inst);
  } catch (e) {
    readError = e;
  }
  await Promise.all(
    todo.map(async (model) => {
      const id = randomUUID();
      let score: ImageScore;
      try {
        if (!bytes) throw readError;
        score = await deps.engine.scoreImage(model.pkg.card.id, { kind: 'dicom', bytes });
        await storeHeatmaps(deps.results, id, score);
      } catch (e) {
        score = {
          status: 'failed',
          statusReason: errorMessage(e),
          gate: null,
          findings: [],
          unclaimedFindings: [],
          timings: { queueMs: 0, decodeMs: 0, preprocessMs: 0, inferMs: 0, totalMs: 0 },
          inputSha256: inst.sha256,
          meta: null,
        };
      }
      await deps.results.save(toResult(id, studyUid, inst, model, score, deps.now()));
    }),
  );
}

/**
 * The images of a study that still need a reading (none stored, or only a failed one): the
 * completion pass queues them, so an image deferred by a full analysis queue is read at the
 * latest when its study is complete.
 */
export async function unreadImages(
  deps: Pick<StudyAnalysisDeps, 'results' | 'dicomStore'>,
  studyUid: string,
): Promise<{ studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }[]> {
  const read = new Set(
    (await deps.results.listForStudy(studyUid)).filter((r) => r.sopInstanceUid && r.status !== 'failed').map((r) => r.sopInstanceUid),
  );
  return (await deps.dicomStore.listInstances(studyUid))
    .filter((i) => !read.has(i.sopInstanceUid))
    .map((i) => ({ studyInstanceUid: studyUid, seriesInstanceUid: i.seriesInstanceUid, sopInstanceUid: i.sopInstanceUid }));
}
