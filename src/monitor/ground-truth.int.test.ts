import { describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { Db } from '../store/db.ts';
import { GroundTruthStore, parseGroundTruthCsv } from './ground-truth.ts';

async function study(db: Db, uid: string, accession: string): Promise<void> {
  await db.run('INSERT INTO dicom_patient (patient_key, updated_at) VALUES ($1, 0) ON CONFLICT (patient_key) DO NOTHING', [`pk-${uid}`]);
  await db.run(
    "INSERT INTO dicom_study (study_uid, patient_key, accession_number, first_received_at, last_received_at, completeness) VALUES ($1, $2, $3, 0, 0, 'complete')",
    [uid, `pk-${uid}`, accession],
  );
}

async function signed(
  db: Db,
  id: string,
  uid: string,
  missed: string[],
  verdicts: [string, 'agree' | 'disagree' | 'uncertain', boolean][],
  at: number,
): Promise<void> {
  await db.run(
    `INSERT INTO readings (id, study_uid, reader_id, reader_name, status, missed_findings, report, opened_at, signed_at, updated_at) VALUES ($1, $2, 'r', 'R', 'signed', $3, '{}', $4, $4, $4)`,
    [id, uid, JSON.stringify(missed), at],
  );
  for (const [f, v, ai] of verdicts)
    await db.run(
      `INSERT INTO finding_verdicts (reading_id, finding_key, study_uid, ai_positive, verdict, comment, recorded_at) VALUES ($1, $2, $3, $4, $5, '', $6)`,
      [id, f, uid, ai ? 1 : 0, v, at],
    );
}

describe('ground-truth CSV', () => {
  it('reads labels keyed by accession number in the shared labels.csv finding columns', () => {
    const p = parseGroundTruthCsv('accession_number,file,sex,no_finding,effusion\nA1,x.png,F,0,1\nA2,y.png,M,1,\n', 'l.csv');
    expect(p.keyKind).toBe('accession');
    expect(p.findings).toEqual(['no_finding', 'effusion']);
    expect(p.rows).toEqual([
      { key: 'A1', labels: { no_finding: 0, effusion: 1 } },
      { key: 'A2', labels: { no_finding: 1, effusion: null } },
    ]);
  });

  it('refuses a file without exactly one key column, a bad cell and a repeated key, naming the line', () => {
    expect(() => parseGroundTruthCsv('file,effusion\nx,1\n', 'l.csv')).toThrow(/exactly one key column/);
    expect(() => parseGroundTruthCsv('study_uid,efusion\n1.2,1\n', 'l.csv')).toThrow(/"efusion" is not a finding of the vocabulary/);
    expect(() => parseGroundTruthCsv('study_uid,effusion\n1.2,yes\n', 'l.csv')).toThrow(/line 2: effusion is "yes"/);
    expect(() => parseGroundTruthCsv('study_uid,effusion\n1.2,1\n1.2,0\n', 'l.csv')).toThrow(ReadfirstError);
  });
});

for (const t of testDbs) {
  describe(`ground-truth store (${t.name})`, () => {
    it('resolves imports by UID or accession (UID wins), derives labels from signed verdicts, and applies the preference', async () => {
      const opened = await t.open();
      const db = opened.db;
      try {
        await study(db, '1.1', 'ACC1');
        await study(db, '1.2', 'ACC2');
        await study(db, '1.3', 'ACC3');
        const store = new GroundTruthStore(db);
        const byAcc = parseGroundTruthCsv('accession_number,effusion,cardiomegaly\nACC1,1,0\nACC2,0,\nACC9,1,1\n', 'a.csv');
        expect(await store.importBatch(byAcc, { fileName: 'a.csv', sha256: 'x', importedBy: 'test', now: 1 })).toMatchObject({ labels: 5 });
        expect(await store.matchedKeys(byAcc)).toBe(2);
        await store.importBatch(parseGroundTruthCsv('study_uid,effusion\n1.1,0\n', 'u.csv'), {
          fileName: 'u.csv',
          sha256: 'y',
          importedBy: 'test',
          now: 2,
        });
        // 1.3: the reader agreed the AI's effusion, disagreed with its negative cardiomegaly, was unsure of nodule, added a missed mass
        await signed(
          db,
          'r3',
          '1.3',
          ['mass'],
          [
            ['effusion', 'agree', true],
            ['cardiomegaly', 'disagree', false],
            ['nodule', 'uncertain', true],
          ],
          10,
        );
        // 1.2: a verdict on effusion that contradicts the imported label
        await signed(db, 'r2', '1.2', [], [['effusion', 'agree', true]], 10);
        const truth = await store.truthFor(['1.1', '1.2', '1.3']);
        expect(Object.fromEntries(truth.get('1.1') ?? [])).toEqual({
          effusion: { value: 0, source: 'import' },
          cardiomegaly: { value: 0, source: 'import' },
        });
        expect(Object.fromEntries(truth.get('1.3') ?? [])).toEqual({
          effusion: { value: 1, source: 'verdict' },
          cardiomegaly: { value: 1, source: 'verdict' },
          mass: { value: 1, source: 'verdict' },
        });
        expect(truth.get('1.2')?.get('effusion')).toEqual({ value: 0, source: 'import' });
        expect((await store.truthFor(['1.2'], 'verdict')).get('1.2')?.get('effusion')).toEqual({ value: 1, source: 'verdict' });
        // a study that arrives after its labels were imported picks them up
        await study(db, '1.9', 'ACC9');
        expect(Object.fromEntries((await store.truthFor(['1.9'])).get('1.9') ?? [])).toEqual({
          effusion: { value: 1, source: 'import' },
          cardiomegaly: { value: 1, source: 'import' },
        });
      } finally {
        await opened.cleanup();
      }
    });
  });
}
