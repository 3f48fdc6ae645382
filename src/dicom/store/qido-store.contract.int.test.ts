import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { testDbs } from '../../../test/support/dbs.ts';
import { toInstanceWrite } from '../ingest/extract.ts';
import { parseInstance } from '../parse/validate.ts';
import type { AttributeMatch, QidoSearch } from './qido-search.ts';
import { SqlDicomStore } from './sql-dicom-store.ts';
import { SqlQidoStore } from './sql-qido-store.ts';

const PEOPLE = [
  { patientName: 'Doe^John', patientId: 'QS-A1', accession: 'QS_1%', studyDate: '20250105', studyTime: '081500', modality: 'DX' },
  { patientName: 'DOE^JANE', patientId: 'qs-a2', accession: 'QS_2', studyDate: '20250110', studyTime: '093000.5', modality: 'CR' },
  { patientName: 'Dorn^Ada', patientId: 'QS-B1', accession: 'QSX3', studyDate: '20250201', studyTime: '235959', modality: 'DX' },
];

for (const impl of testDbs) {
  describe(`QIDO-RS search contract: ${impl.name}`, () => {
    let qido: SqlQidoStore;
    let cleanup: () => Promise<void>;
    const uids: string[] = [];
    beforeAll(async () => {
      const opened = await impl.open();
      cleanup = () => opened.cleanup();
      const store = new SqlDicomStore(opened.db);
      qido = new SqlQidoStore(opened.db);
      for (const [i, p] of PEOPLE.entries()) {
        const inst = makeInstance(p);
        uids.push(inst.studyUid);
        const w = toInstanceWrite(
          parseInstance(inst.bytes),
          { filePath: `${i}.dcm`, sizeBytes: inst.bytes.length, sha256: 'x'.repeat(64) },
          'import',
          1000 + i,
        );
        await store.recordInstance(w, {
          at: 1000,
          via: 'import',
          outcome: 'stored',
          sopInstanceUid: null,
          studyInstanceUid: null,
          sizeBytes: 1,
          reason: null,
          source: null,
          durationMs: 1,
        });
      }
    });
    afterAll(async () => cleanup());

    const find = async (...matches: AttributeMatch[]): Promise<string[]> => {
      const search: QidoSearch = {
        level: 'study',
        matches: [...matches, { keyword: 'PatientID', matcher: { type: 'wildcard', pattern: '*' }, caseInsensitive: true }],
        limit: 10,
        offset: 0,
      };
      return (await qido.searchStudies(search)).items.map((s) => s.patientId ?? '').sort();
    };

    it('matches person names case-insensitively with * and ?', async () => {
      expect(await find({ keyword: 'PatientName', matcher: { type: 'wildcard', pattern: 'doe*' }, caseInsensitive: true })).toEqual([
        'QS-A1',
        'qs-a2',
      ]);
      expect(await find({ keyword: 'PatientName', matcher: { type: 'wildcard', pattern: 'D?rn*' }, caseInsensitive: true })).toEqual([
        'QS-B1',
      ]);
      expect(await find({ keyword: 'PatientName', matcher: { type: 'single', value: 'doe^jane' }, caseInsensitive: true })).toEqual([
        'qs-a2',
      ]);
    });

    it('matches other strings case-sensitively, with % and _ taken literally', async () => {
      expect(await find({ keyword: 'PatientID', matcher: { type: 'wildcard', pattern: 'QS-A*' }, caseInsensitive: false })).toEqual([
        'QS-A1',
      ]);
      expect(await find({ keyword: 'AccessionNumber', matcher: { type: 'wildcard', pattern: 'QS_*' }, caseInsensitive: false })).toEqual([
        'QS-A1',
        'qs-a2',
      ]);
      expect(await find({ keyword: 'AccessionNumber', matcher: { type: 'wildcard', pattern: 'QS_1%' }, caseInsensitive: false })).toEqual([
        'QS-A1',
      ]);
      expect(await find({ keyword: 'AccessionNumber', matcher: { type: 'single', value: 'qs_2' }, caseInsensitive: false })).toEqual([]);
    });

    it('matches date and time ranges, UID lists and modalities', async () => {
      expect(
        await find({ keyword: 'StudyDate', matcher: { type: 'range', from: '20250106', to: '20250201' }, caseInsensitive: false }),
      ).toEqual(['QS-B1', 'qs-a2']);
      expect(
        await find({ keyword: 'StudyTime', matcher: { type: 'range', from: '093000', to: '093099' }, caseInsensitive: false }),
      ).toEqual(['qs-a2']);
      expect(await find({ keyword: 'StudyTime', matcher: { type: 'range', from: '230000' }, caseInsensitive: false })).toEqual(['QS-B1']);
      expect(
        await find({
          keyword: 'StudyInstanceUID',
          matcher: { type: 'list', values: [uids[0] ?? '', uids[2] ?? ''] },
          caseInsensitive: false,
        }),
      ).toEqual(['QS-A1', 'QS-B1']);
      expect(await find({ keyword: 'ModalitiesInStudy', matcher: { type: 'list', values: ['CR'] }, caseInsensitive: false })).toEqual([
        'qs-a2',
      ]);
    });

    it('pages with limit and offset and says when more rows exist', async () => {
      const page = (limit: number, offset: number) =>
        qido.searchStudies({
          level: 'study',
          matches: [{ keyword: 'AccessionNumber', matcher: { type: 'wildcard', pattern: 'QS*' }, caseInsensitive: false }],
          limit,
          offset,
        });
      const first = await page(2, 0);
      const rest = await page(2, 2);
      expect([first.items.length, first.more, rest.items.length, rest.more]).toEqual([2, true, 1, false]);
      const series = await qido.searchSeries({
        level: 'series',
        matches: [{ keyword: 'PatientName', matcher: { type: 'wildcard', pattern: 'doe*' }, caseInsensitive: true }],
        limit: 10,
        offset: 0,
      });
      expect(series.items.map((s) => s.study.patientId).sort()).toEqual(['QS-A1', 'qs-a2']);
    });
  });
}
