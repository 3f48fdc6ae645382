import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  DiagnosticReport,
  Device,
  ImagingStudy,
  Observation,
  Patient,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { StudyRecord } from '../../dicom/dicom-store.ts';
import type { FindingResult, InferenceResult, ModelProvenance } from '../../inference/result.ts';

/**
 * FHIR R4 for one analysed study (HL7 FHIR R4 DiagnosticReport, Observation, ImagingStudy,
 * Device, Patient; shaped after the IHE AIR "AI Result" content): a pure function of the study
 * and its stored results, so the server, `readfirst analyse` and pushes share it.
 * The report is always `preliminary`: AI output is never final; a radiologist signs.
 */
export interface FhirReportInput {
  study: StudyRecord;
  results: readonly InferenceResult[];
  /** DICOMweb root for the ImagingStudy endpoint address, e.g. https://pacs/dicom-web. Optional. */
  dicomWebRoot?: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const LOINC = 'http://loinc.org';
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const READFIRST_SYSTEM = 'urn:readfirst';
const AI_NOTE = 'AI-generated: for assistance, not a diagnosis. Preliminary until a radiologist signs the report.';

/** A stable FHIR id (R4 2.24.0.2: [A-Za-z0-9-.]{1,64}) from its parts, so regenerating updates, not duplicates. */
export function fhirId(kind: string, ...parts: string[]): string {
  return `${kind}-${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 40)}`;
}

const ref = <T extends Resource>(r: T): Reference<T> => ({ reference: `${r.resourceType}/${r.id ?? ''}` });
const iso = (ms: number): string => new Date(ms).toISOString();

/** DICOM DA + TM → FHIR dateTime, or undefined. */
function dicomDateTime(da: string | null, tm: string | null): string | undefined {
  if (!da || !/^\d{8}$/.test(da)) return undefined;
  const d = `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
  if (!tm || !/^\d{6}/.test(tm)) return d;
  return `${d}T${tm.slice(0, 2)}:${tm.slice(2, 4)}:${tm.slice(4, 6)}Z`;
}

function patientOf(s: StudyRecord): Patient {
  const [family, given] = (s.patientName ?? '').split('^');
  const birth =
    s.patientBirthDate && /^\d{8}$/.test(s.patientBirthDate)
      ? `${s.patientBirthDate.slice(0, 4)}-${s.patientBirthDate.slice(4, 6)}-${s.patientBirthDate.slice(6, 8)}`
      : undefined;
  return {
    resourceType: 'Patient',
    id: fhirId('pat', s.patientKey),
    ...(s.patientId ? { identifier: [{ type: { coding: [{ system: V2_0203, code: 'MR' }] }, value: s.patientId }] } : {}),
    ...(family ? { name: [{ family, ...(given ? { given: [given] } : {}) }] } : {}),
    ...(s.patientSex ? { gender: s.patientSex === 'M' ? 'male' : s.patientSex === 'F' ? 'female' : 'other' } : {}),
    ...(birth ? { birthDate: birth } : {}),
  };
}

function imagingStudyOf(s: StudyRecord, patient: Patient, dicomWebRoot?: string): ImagingStudy {
  const started = dicomDateTime(s.studyDate, s.studyTime);
  return {
    resourceType: 'ImagingStudy',
    id: fhirId('ims', s.studyInstanceUid),
    identifier: [
      { system: 'urn:dicom:uid', value: `urn:oid:${s.studyInstanceUid}` },
      ...(s.accessionNumber ? [{ type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, value: s.accessionNumber }] : []),
    ],
    status: 'available',
    subject: ref(patient),
    ...(started ? { started } : {}),
    modality: s.modalities.map((m) => ({ system: DCM, code: m })),
    numberOfSeries: s.numberOfSeries,
    numberOfInstances: s.numberOfInstances,
    ...(s.studyDescription ? { description: s.studyDescription } : {}),
    ...(dicomWebRoot ? { note: [{ text: `DICOMweb: ${dicomWebRoot}/studies/${s.studyInstanceUid}` }] } : {}),
  };
}

function deviceOf(m: ModelProvenance): Device {
  return {
    resourceType: 'Device',
    id: fhirId('dev', m.modelId, m.modelVersion, m.modelSha256),
    identifier: [{ system: `${READFIRST_SYSTEM}:model-sha256`, value: m.modelSha256 }],
    status: 'active',
    manufacturer: 'readfirst',
    deviceName: [{ name: m.modelName, type: 'model-name' }],
    modelNumber: m.modelId,
    type: { text: 'AI triage algorithm (software)' },
    version: [{ value: m.modelVersion }],
    note: [{ text: `${AI_NOTE}${m.shadow ? ' Shadow model: monitored, never used for triage.' : ''}` }],
  };
}

/** The image with the highest probability for a finding, over one model's results. */
function strongest(results: readonly InferenceResult[], key: string): { result: InferenceResult; finding: FindingResult } | undefined {
  let best: { result: InferenceResult; finding: FindingResult } | undefined;
  for (const result of results) {
    const finding = result.findings.find((f) => f.key === key);
    if (finding && (!best || finding.probability > best.finding.probability)) best = { result, finding };
  }
  return best;
}

function observationOf(
  study: StudyRecord,
  patient: Patient,
  ims: ImagingStudy,
  device: Device,
  best: { result: InferenceResult; finding: FindingResult },
): Observation {
  const { result, finding } = best;
  const positive = finding.decisions.some((d) => d.positive);
  return {
    resourceType: 'Observation',
    id: fhirId('obs', study.studyInstanceUid, result.model?.modelId ?? '', result.model?.modelVersion ?? '', finding.key),
    status: 'preliminary',
    category: [{ coding: [{ system: OBS_CATEGORY, code: 'imaging', display: 'Imaging' }] }],
    code: { coding: [{ system: finding.code.system, code: finding.code.code, display: finding.code.display }], text: finding.display },
    subject: ref(patient),
    effectiveDateTime: iso(result.createdAt),
    valueQuantity: { value: Number(finding.probability.toFixed(4)), unit: 'probability', system: 'http://unitsofmeasure.org', code: '1' },
    interpretation: [{ coding: [{ system: INTERPRETATION, code: positive ? 'POS' : 'NEG', display: positive ? 'Positive' : 'Negative' }] }],
    device: ref(device),
    derivedFrom: [ref(ims)],
    note: [{ text: `${AI_NOTE} Image ${result.sopInstanceUid ?? 'study'}.` }],
    component: finding.decisions.map((d) => ({
      code: {
        coding: [{ system: READFIRST_SYSTEM, code: `operating-point:${d.name}` }],
        text: `${d.name} operating point: threshold ${d.threshold}, sensitivity ${d.sensitivity}, specificity ${d.specificity}`,
      },
      valueBoolean: d.positive,
    })),
  };
}

/** What the report says in words: the positive findings per model, or why nothing was analysed. */
function conclusionOf(
  study: StudyRecord,
  analysed: readonly InferenceResult[],
  all: readonly InferenceResult[],
  observations: readonly Observation[],
): string {
  if (analysed.length === 0) {
    const why = all.map((r) => r.statusReason ?? r.status).filter((s) => s !== '');
    return `No AI result for study ${study.accessionNumber ?? study.studyInstanceUid}: ${why.length > 0 ? [...new Set(why)].join('; ') : 'no model read it'}. ${AI_NOTE}`;
  }
  const positive = observations
    .filter((o) => o.interpretation?.[0]?.coding?.[0]?.code === 'POS')
    .map((o) => `${o.code.text ?? ''} ${o.valueQuantity?.value ?? ''}`);
  const models = [...new Set(analysed.map((r) => `${r.model?.modelName ?? '?'} ${r.model?.modelVersion ?? '?'}`))].join(', ');
  return `${positive.length > 0 ? `AI flags: ${positive.join(', ')}` : 'AI flags no finding'} (model ${models}). ${AI_NOTE}`;
}

/** The resources of one study's AI report: Patient, ImagingStudy, a Device per model, an Observation per finding, the DiagnosticReport. */
export function fhirReportResources(input: FhirReportInput): { report: DiagnosticReport; resources: Resource[] } {
  const { study } = input;
  const patient = patientOf(study);
  const ims = imagingStudyOf(study, patient, input.dicomWebRoot);
  // Shadow models are monitored, never reported: their output must not reach the EHR.
  const analysed = input.results.filter((r) => r.status === 'analysed' && r.model && !r.model.shadow);
  const devices = new Map<string, Device>();
  const observations: Observation[] = [];
  const byModel = new Map<string, InferenceResult[]>();
  for (const r of analysed) {
    const key = `${r.model?.modelId ?? ''}@${r.model?.modelVersion ?? ''}`;
    byModel.set(key, [...(byModel.get(key) ?? []), r]);
  }
  for (const results of byModel.values()) {
    const model = results[0]?.model;
    if (!model) continue;
    const device = deviceOf(model);
    devices.set(device.id ?? '', device);
    const keys = [...new Set(results.flatMap((r) => r.findings.map((f) => f.key)))];
    for (const k of keys) {
      const best = strongest(results, k);
      if (best) observations.push(observationOf(study, patient, ims, device, best));
    }
  }
  const issued = Math.max(0, ...input.results.map((r) => r.createdAt));
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: fhirId('dr', study.studyInstanceUid),
    ...(study.accessionNumber
      ? { identifier: [{ type: { coding: [{ system: V2_0203, code: 'ACSN' }] }, value: study.accessionNumber }] }
      : {}),
    status: 'preliminary',
    category: [{ coding: [{ system: V2_0074, code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ system: LOINC, code: '18748-4', display: 'Diagnostic imaging study' }], text: 'AI triage result' },
    subject: ref(patient),
    ...(issued > 0 ? { issued: iso(issued), effectiveDateTime: iso(issued) } : {}),
    imagingStudy: [ref(ims)],
    result: observations.map(ref),
    conclusion: conclusionOf(study, analysed, input.results, observations),
  };
  return { report, resources: [patient, ims, ...devices.values(), ...observations, report] };
}

/** A `collection` Bundle of the report and everything it references (for files and `readfirst analyse`). */
export function fhirReportBundle(input: FhirReportInput): Bundle {
  const { resources } = fhirReportResources(input);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource) => ({ fullUrl: `urn:readfirst:${resource.resourceType}/${resource.id ?? ''}`, resource })),
  };
}

/** A `transaction` Bundle that creates or updates each resource by id (PUT), for pushing to a FHIR server. */
export function fhirTransactionBundle(input: FhirReportInput): Bundle {
  const { resources } = fhirReportResources(input);
  const entry: BundleEntry[] = resources.map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
