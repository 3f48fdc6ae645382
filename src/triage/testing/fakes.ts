import type { DicomStore, StudyRecord } from '../../dicom/dicom-store.ts';
import type { FindingResult, InferenceResult, InferenceResultStore } from '../../inference/result.ts';

/** In-memory stand-ins for the DICOM and inference stores, for triage tests that need no ingest. */
export class FakeDicomStore implements DicomStore {
  readonly studies = new Map<string, StudyRecord>();
  add(uid: string, over: Partial<StudyRecord> = {}, at = Date.now()): StudyRecord {
    const s: StudyRecord = {
      studyInstanceUid: uid,
      patientKey: `pk-${uid}`,
      patientId: `P-${uid}`,
      patientName: 'Test^Patient',
      patientSex: 'F',
      patientBirthDate: null,
      patientAge: '050Y',
      accessionNumber: `A-${uid}`,
      studyDate: '20260101',
      studyTime: '080000',
      studyDescription: 'CHEST PA',
      modalities: ['DX'],
      referringPhysicianName: null,
      institutionName: 'Main',
      requestedProcedurePriority: null,
      patientLocation: null,
      numberOfSeries: 1,
      numberOfInstances: 1,
      firstReceivedAt: at,
      lastReceivedAt: at,
      completeness: 'complete',
      completedAt: at,
      ...over,
    };
    this.studies.set(uid, s);
    return s;
  }
  async getStudy(uid: string) {
    return this.studies.get(uid);
  }
  async findStudies() {
    return [...this.studies.values()];
  }
  async listSeries() {
    return [];
  }
  async listInstances() {
    return [];
  }
  async getInstance() {
    return undefined;
  }
}

export class FakeResults implements InferenceResultStore {
  readonly results: InferenceResult[] = [];
  async save(r: InferenceResult) {
    this.results.push(r);
  }
  async get(id: string) {
    return this.results.find((r) => r.id === id);
  }
  async listForStudy(uid: string) {
    return this.results.filter((r) => r.studyInstanceUid === uid);
  }
}

/** A finding with high-sensitivity and balanced decisions, as the inference engine writes them. */
export function finding(key: string, display: string, probability: number, hs = 0.71, bal = 0.85): FindingResult {
  return {
    key,
    display,
    probability,
    code: { system: 'http://snomed.info/sct', code: '0', display },
    decisions: [
      { name: 'high-sensitivity', threshold: hs, positive: probability >= hs, sensitivity: 0.9, specificity: 0.6 },
      { name: 'balanced', threshold: bal, positive: probability >= bal, sensitivity: 0.75, specificity: 0.85 },
    ],
  };
}

export function result(id: string, studyInstanceUid: string, findings: FindingResult[], at: number): InferenceResult {
  return {
    id,
    studyInstanceUid,
    seriesInstanceUid: null,
    sopInstanceUid: null,
    status: 'analysed',
    findings,
    gate: { passed: true },
    timings: null,
    inputSha256: null,
    createdAt: at,
    aiGenerated: true,
    model: { modelId: 'tiny-cxr', modelName: 'tiny', modelVersion: '0.0.1', modelSha256: '0'.repeat(64), shadow: false },
  };
}
