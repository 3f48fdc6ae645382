import { describe, expect, it } from 'vitest';
import type { FindingResult } from '../inference/result.ts';
import { draftReport, pendingVerdicts } from './draft-report.ts';
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

const verdict = (findingKey: string, v: FindingVerdict['verdict'], comment = ''): FindingVerdict => ({
  findingKey,
  verdict: v,
  comment,
  probability: 0.9,
  aiPositive: true,
  recordedAt: 0,
});

const findings = [
  finding('pneumothorax', 'Pneumothorax', true),
  finding('effusion', 'Pleural effusion', true),
  finding('nodule', 'Nodule', false),
];

describe('the draft report', () => {
  it('contains only findings the reader agreed with or added, never ones they rejected', () => {
    const r = draftReport({ findings, verdicts: [verdict('pneumothorax', 'agree'), verdict('effusion', 'disagree')], missed: ['nodule'] });
    expect(r.findings).toBe('Pneumothorax.\nLung nodule.');
    expect(r.impression).toBe('1. Pneumothorax.\n2. Lung nodule.');
    expect(r.findings).not.toMatch(/effusion/i);
  });

  it('never says normal while an AI-positive finding has no verdict, and states no impression then', () => {
    const r = draftReport({ findings, verdicts: [verdict('pneumothorax', 'agree')], missed: [] });
    expect(r.findings).toBe("Awaiting the reader's verdict on AI-flagged findings: Pleural effusion.");
    expect(r.impression).toBe('');
    expect(JSON.stringify(r)).not.toMatch(/no (radiographic|acute)/i);
    expect(pendingVerdicts(findings, [verdict('pneumothorax', 'agree')]).map((f) => f.key)).toEqual(['effusion']);
  });

  it('says normal only when every AI-positive finding was rejected and nothing was added', () => {
    const r = draftReport({ findings, verdicts: [verdict('pneumothorax', 'disagree'), verdict('effusion', 'disagree')], missed: [] });
    expect(r.impression).toBe('No acute cardiopulmonary abnormality.');
  });

  it('writes uncertain findings as possible, and carries finding comments into the text', () => {
    const r = draftReport({
      findings,
      verdicts: [verdict('pneumothorax', 'agree', 'small, left apical'), verdict('effusion', 'uncertain')],
      missed: [],
    });
    expect(r.findings).toBe('Pneumothorax. Small, left apical.\nPossible pleural effusion.');
  });

  it('treats no_finding as a summary: never pending, never written beside a pathology', () => {
    const withSummary = [finding('no_finding', 'No finding', true), ...findings];
    expect(pendingVerdicts(withSummary, [verdict('pneumothorax', 'agree'), verdict('effusion', 'agree')])).toEqual([]);
    const r = draftReport({
      findings: withSummary,
      verdicts: [verdict('effusion', 'agree'), verdict('pneumothorax', 'disagree'), verdict('no_finding', 'agree')],
      missed: ['no_finding'],
    });
    expect(r.findings).toBe('Pleural effusion.');
    expect(r.impression).not.toMatch(/no finding/i);
  });
});
