import type { FindingResult, InferenceResult, InferenceResultStore } from '../inference/result.ts';

/** An in-memory InferenceResultStore for reading tests: the interface the inference module publishes. */
export class MemoryResults implements InferenceResultStore {
  private readonly byId = new Map<string, InferenceResult>();
  async save(r: InferenceResult): Promise<void> {
    this.byId.set(r.id, r);
  }
  async get(id: string): Promise<InferenceResult | undefined> {
    return this.byId.get(id);
  }
  async listForStudy(uid: string): Promise<InferenceResult[]> {
    return [...this.byId.values()].filter((r) => r.studyInstanceUid === uid);
  }
}

function finding(key: string, display: string, probability: number, threshold: number): FindingResult {
  return {
    key,
    display,
    code: { system: 'http://snomed.info/sct', code: '0', display },
    probability,
    decisions: [{ name: 'high-sensitivity', threshold, positive: probability >= threshold, sensitivity: 0.9, specificity: 0.8 }],
  };
}

/** A plausible chest X-ray result: pneumothorax and effusion positive, nodule negative. */
export function sampleResult(studyInstanceUid: string, id = `res-${studyInstanceUid}`): InferenceResult {
  return {
    id,
    studyInstanceUid,
    seriesInstanceUid: null,
    sopInstanceUid: null,
    status: 'analysed',
    model: { modelId: 'cxr-test', modelName: 'Test CXR', modelVersion: '1.2.3', modelSha256: 'ab'.repeat(32), shadow: false },
    findings: [
      finding('pneumothorax', 'Pneumothorax', 0.93, 0.71),
      finding('effusion', 'Pleural effusion', 0.64, 0.5),
      finding('nodule', 'Nodule', 0.12, 0.4),
    ],
    gate: { passed: true },
    timings: null,
    inputSha256: null,
    createdAt: 1,
    aiGenerated: true,
  };
}
