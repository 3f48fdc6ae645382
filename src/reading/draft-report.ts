import type { FindingResult } from '../inference/result.ts';
import type { FindingVerdict, StructuredReport } from './reading.ts';

/** Whether the AI called a finding positive at any of its operating points. */
export function aiPositive(f: FindingResult): boolean {
  return f.decisions.some((d) => d.positive);
}

function sentence(display: string): string {
  return `${display.charAt(0).toUpperCase()}${display.slice(1)}.`;
}

/**
 * The draft report, pre-filled only from what the radiologist confirmed: findings they agreed
 * with and findings they added. AI findings they did not confirm never reach the text. The
 * draft is a starting point: the radiologist edits it and signs it.
 */
export function draftReport(input: {
  findings: readonly FindingResult[];
  verdicts: readonly FindingVerdict[];
  missed: readonly string[];
  technique?: string;
}): StructuredReport {
  const byKey = new Map(input.findings.map((f) => [f.key, f]));
  const display = (key: string): string => byKey.get(key)?.display ?? key.replace(/_/g, ' ');
  const agreed = input.verdicts.filter((v) => v.verdict === 'agree').map((v) => v.findingKey);
  const confirmed = [...new Set([...agreed, ...input.missed])];
  const findings = confirmed.length > 0 ? confirmed.map((k) => sentence(display(k))).join('\n') : 'No radiographic abnormality identified.';
  const impression =
    confirmed.length > 0 ? confirmed.map((k, i) => `${i + 1}. ${sentence(display(k))}`).join('\n') : 'No acute cardiopulmonary abnormality.';
  return { technique: input.technique ?? 'Chest radiograph.', findings, impression };
}
