import type { UrgencyPolicy } from './policy-schema.ts';

/**
 * Safe built-in defaults. Finding keys follow ../shared/data/README.md. Every class rule uses the
 * balanced point: a flag that misses still leaves the study on the list at its order's priority,
 * while a flood of false "critical" flags (a weak model at its high-sensitivity point can flag
 * a third of all films) dilutes the priority of the true ones and costs every routine study a
 * place. The high-sensitivity point decides "likely normal" (a rule-out). Likely-normal keeps the routine maximum wait: pushing normals back is what made
 * the longest wait grow from 890 to 1,293 min in Baltruschat 2021.
 */
export const DEFAULT_FINDINGS: UrgencyPolicy['findings'] = [
  { finding: 'pneumothorax', operatingPoint: 'balanced', urgency: 'critical' },
  { finding: 'effusion', operatingPoint: 'balanced', urgency: 'urgent' },
  { finding: 'consolidation', operatingPoint: 'balanced', urgency: 'urgent' },
  { finding: 'pneumonia', operatingPoint: 'balanced', urgency: 'urgent' },
  { finding: 'edema', operatingPoint: 'balanced', urgency: 'urgent' },
  { finding: 'cardiomegaly', operatingPoint: 'balanced', urgency: 'routine' },
];

/** Findings that call for follow-up rather than an urgent read (early detection). */
export const DEFAULT_FOLLOW_UP: UrgencyPolicy['followUp'] = [
  { finding: 'mass', operatingPoint: 'balanced', dueDays: 14 },
  { finding: 'nodule', operatingPoint: 'balanced', dueDays: 90 },
];

/** DICOM RequestedProcedurePriority (0040,1003) and HL7 v2 / FHIR ServiceRequest.priority codes. */
export const DEFAULT_ORDER_PRIORITY: UrgencyPolicy['orderPriority'] = {
  STAT: 'critical',
  S: 'critical',
  ASAP: 'urgent',
  A: 'urgent',
  HIGH: 'urgent',
  URGENT: 'urgent',
  MEDIUM: 'routine',
  ROUTINE: 'routine',
  R: 'routine',
  LOW: 'likely-normal',
};

export const DEFAULT_LOCATIONS: UrgencyPolicy['locations'] = [
  { kind: 'emergency', pattern: '\\b(ED|ER|A&E|AE|EMERG\\w*|EMERGENCY)\\b' },
  { kind: 'icu', pattern: '\\b(ICU|ITU|CCU|NICU|PICU|INTENSIVE)\\b' },
  { kind: 'outpatient', pattern: '\\b(OPD|OP|OUTPATIENT\\w*|CLINIC|GP)\\b' },
  { kind: 'inpatient', pattern: '\\b(WARD|IP|INPATIENT\\w*|BED)\\b' },
];

export const DEFAULT_LOCATION_FLOOR: UrgencyPolicy['locationFloor'] = {
  emergency: 'urgent',
  icu: 'urgent',
  inpatient: 'routine',
  outpatient: 'likely-normal',
};
