import { describe, expect, it } from 'vitest';
import type { FindingResult } from '../inference/result.ts';
import { draftReport } from './draft-report.ts';
import type { FindingVerdict } from './reading.ts';

function finding(key: string, display: string, positive: boolean): FindingResult {
  return {
    key,
    display,
    code: { system: 'http://snomed.info/sct', code: '0', display },
    probability: positive ? 0.9 : 0.1,
    decisions: [{ name: 'balanced', threshold: 0.5, positive, sensitivity: 0.9, specificity: 0.9 }],
  };
}

const verdict = (findingKey: string, v: FindingVerdict['verdict']): FindingVerdict => ({
  findingKey,
  verdict: v,
  comment: '',
  probability: 0.9,
  aiPositive: true,
  recordedAt: 0,
});

const findings = [finding('pneumothorax', 'Pneumothorax', true), finding('effusion', 'Pleural effusion', true), finding('nodule', 'Nodule', false)];

describe('the draft report', () => {
  it('contains only findings the reader agreed with or added, never ones they rejected', () => {
    const r = draftReport({ findings, verdicts: [verdict('pneumothorax', 'agree'), verdict('effusion', 'disagree')], missed: ['nodule'] });
    expect(r.findings).toBe('Pneumothorax.\nNodule.');
    expect(r.impression).toBe('1. Pneumothorax.\n2. Nodule.');
    expect(r.findings).not.toMatch(/effusion/i);
  });

  it('says normal when nothing was confirmed', () => {
    const r = draftReport({ findings, verdicts: [verdict('pneumothorax', 'uncertain')], missed: [] });
    expect(r.impression).toBe('No acute cardiopulmonary abnormality.');
  });
});
