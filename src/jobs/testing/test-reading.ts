import { randomUUID } from 'node:crypto';
import type { SqlInferenceResultStore } from '../../inference/result-store.ts';
import type { AnalysisJobData } from '../analysis-jobs.ts';

/** Stores the reading a test model would: one analysed result of `tiny@1` for the job's instance. */
export async function storeTestReading(results: SqlInferenceResultStore, job: AnalysisJobData): Promise<void> {
  await results.save({
    id: randomUUID(),
    studyInstanceUid: job.studyInstanceUid,
    seriesInstanceUid: job.seriesInstanceUid,
    sopInstanceUid: job.sopInstanceUid,
    status: 'analysed',
    model: { modelId: 'tiny', modelName: 'tiny', modelVersion: '1', modelSha256: 'x', shadow: false },
    findings: [],
    gate: null,
    timings: null,
    inputSha256: null,
    createdAt: Date.now(),
    aiGenerated: true,
  });
}
