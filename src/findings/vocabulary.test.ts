import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../test/support/shared-data.ts';
import { FINDING_VOCABULARY, RECORDABLE_FINDINGS, isFindingKey, vocabularyEntry } from './vocabulary.ts';

const FIXED = 6; // file,sex,age,view,source,patient_id

describe('finding vocabulary', () => {
  it('is exactly the finding columns of every shared labels.csv, in order', () => {
    for (const set of ['nih-cxr14-621', 'covid-chestxray-ieee8023', 'kermany-paediatric-224']) {
      const header = readFileSync(join(sharedDir, 'data', set, 'labels.csv'), 'utf8').split(/\r?\n/)[0] ?? '';
      expect(
        FINDING_VOCABULARY.map((e) => e.key),
        set,
      ).toEqual(
        header
          .split(',')
          .slice(FIXED)
          .map((h) => h.trim()),
      );
    }
  });

  it('carries the same SNOMED CT code as the bundled model card for every key the card has', () => {
    const card = JSON.parse(readFileSync(new URL('../../models/readfirst-cxr/model.json', import.meta.url), 'utf8')) as {
      findings: { key: string; code: { system: string; code: string } }[];
    };
    expect(card.findings.length).toBeGreaterThan(10);
    for (const f of card.findings) expect(vocabularyEntry(f.key)?.code, f.key).toMatchObject(f.code);
  });

  it('treats no_finding as a summary that is never recordable as a finding', () => {
    expect(vocabularyEntry('no_finding')?.kind).toBe('summary');
    expect(isFindingKey('no_finding')).toBe(false);
    expect(isFindingKey('pneumothorax')).toBe(true);
    expect(isFindingKey('unknown_thing')).toBe(false);
    expect(RECORDABLE_FINDINGS.map((e) => e.key)).not.toContain('no_finding');
    expect(RECORDABLE_FINDINGS).toHaveLength(FINDING_VOCABULARY.length - 1);
    expect(new Set(FINDING_VOCABULARY.map((e) => e.code.code)).size).toBe(FINDING_VOCABULARY.length);
  });
});
