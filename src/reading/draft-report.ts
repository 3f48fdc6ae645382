import { findingDisplay, vocabularyEntry } from '../findings/vocabulary.ts';
import type { FindingResult } from '../inference/result.ts';
import type { FindingVerdict, StructuredReport } from './reading.ts';

/** Whether the AI called a finding positive at any of its operating points. */
export function aiPositive(f: FindingResult): boolean {
  return f.decisions.some((d) => d.positive);
}

/**
 * Whether an AI output is a summary ("no finding"), not a finding: it is shown as the model's
 * overall impression, never offered for a verdict beside the findings, never written into a draft.
 */
export function isSummary(f: Pick<FindingResult, 'key'>): boolean {
  return vocabularyEntry(f.key)?.kind === 'summary';
}

/** The AI's findings a reader gives verdicts on: every output but the summary. */
export function verdictFindings(findings: readonly FindingResult[]): FindingResult[] {
  return findings.filter((f) => !isSummary(f));
}

/**
 * AI-positive findings that have no verdict yet. A reading cannot be signed while this is not
 * empty, unless the reader deliberately overrides (recorded as such).
 */
export function pendingVerdicts(findings: readonly FindingResult[], verdicts: readonly FindingVerdict[]): FindingResult[] {
  const given = new Set(verdicts.map((v) => v.findingKey));
  return verdictFindings(findings).filter((f) => aiPositive(f) && !given.has(f.key));
}

function sentence(text: string): string {
  const t = text.trim().replace(/\.$/, '');
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;
}

/**
 * The draft report, pre-filled only from what the radiologist confirmed: findings they agreed
 * with (with their comment), findings they were uncertain about ("possible"), and findings they
 * added. AI findings they did not confirm never reach the text. While an AI-positive finding has
 * no verdict the draft says so and states no impression: it never reads "normal" then. The draft
 * is a starting point: the radiologist edits it and signs it.
 */
export function draftReport(input: {
  findings: readonly FindingResult[];
  verdicts: readonly FindingVerdict[];
  missed: readonly string[];
  technique?: string;
}): StructuredReport {
  const technique = input.technique ?? 'Chest radiograph.';
  const pending = pendingVerdicts(input.findings, input.verdicts);
  if (pending.length > 0) {
    return {
      technique,
      findings: `Awaiting the reader's verdict on AI-flagged findings: ${pending.map((f) => f.display).join(', ')}.`,
      impression: '',
    };
  }
  const byKey = new Map(input.findings.map((f) => [f.key, f]));
  const display = (key: string): string => vocabularyEntry(key)?.display ?? byKey.get(key)?.display ?? findingDisplay(key);
  const lines: string[] = [];
  const seen = new Set<string>();
  const add = (key: string, text: string): void => {
    if (seen.has(key) || isSummary({ key })) return;
    seen.add(key);
    lines.push(text);
  };
  const withComment = (base: string, comment: string): string =>
    comment.trim() ? `${sentence(base)} ${sentence(comment)}` : sentence(base);
  for (const v of input.verdicts) if (v.verdict === 'agree') add(v.findingKey, withComment(display(v.findingKey), v.comment));
  for (const v of input.verdicts)
    if (v.verdict === 'uncertain') add(v.findingKey, withComment(`Possible ${display(v.findingKey).toLowerCase()}`, v.comment));
  for (const k of input.missed) add(k, sentence(display(k)));
  if (lines.length === 0)
    return { technique, findings: 'No radiographic abnormality identified.', impression: 'No acute cardiopulmonary abnormality.' };
  return { technique, findings: lines.join('\n'), impression: lines.map((l, i) => `${i + 1}. ${l}`).join('\n') };
}
