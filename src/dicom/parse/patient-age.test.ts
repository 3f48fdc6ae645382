import { describe, expect, it } from 'vitest';
import { patientAgeYears } from './patient-age.ts';

describe('patientAgeYears', () => {
  it('reads the AS units of PatientAge', () => {
    expect(patientAgeYears('045Y', null, null)).toBe(45);
    expect(patientAgeYears('018M', null, null)).toBe(1.5);
    expect(patientAgeYears('052W', null, null)).toBeCloseTo(0.996, 2);
    expect(patientAgeYears('010D', null, null)).toBeCloseTo(0.0274, 3);
  });

  it('falls back to birth and study dates, and gives null when unknown or inconsistent', () => {
    expect(patientAgeYears(null, '20000101', '20100101')).toBeCloseTo(10, 2);
    expect(patientAgeYears('45', '20000101', null)).toBeNull();
    expect(patientAgeYears(null, '20200101', '20100101')).toBeNull();
    expect(patientAgeYears(null, null, null)).toBeNull();
  });
});
