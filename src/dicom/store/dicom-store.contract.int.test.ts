import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeInstance, testUid } from '../../../test/support/dicom-gen.ts';
import { testDbs } from '../../../test/support/dbs.ts';
import type { Db } from '../../store/db.ts';
import { toInstanceWrite } from '../ingest/extract.ts';
import { parseInstance } from '../parse/validate.ts';
import { SqlDicomStore } from './sql-dicom-store.ts';
import type { StudyFilter } from '../dicom-store.ts';

function write(o: Parameters<typeof makeInstance>[0], at: number) {
  const inst = makeInstance(o);
  const p = parseInstance(inst.bytes);
  return {
    inst,
    w: toInstanceWrite(
      p,
      { filePath: `${inst.studyUid}/${inst.seriesUid}/${inst.sopUid}.dcm`, sizeBytes: inst.bytes.length, sha256: 'x'.repeat(64) },
      'import',
      at,
    ),
  };
}
const ev = (at: number) => ({
  at,
  via: 'import',
  outcome: 'stored' as const,
  sopInstanceUid: null,
  studyInstanceUid: null,
  sizeBytes: 1,
  reason: null,
  source: null,
  durationMs: 1,
});

for (const impl of testDbs) {
  describe(`DicomStore contract: ${impl.name}`, () => {
    let db: Db;
    let cleanup: () => Promise<void>;
    let store: SqlDicomStore;
    beforeEach(async () => {
      const opened = await impl.open();
      db = opened.db;
      cleanup = () => opened.cleanup();
      store = new SqlDicomStore(db);
    });
    afterEach(async () => cleanup());

    it('with commitAfter, commits only once the bytes are durable and rolls back if they are not', async () => {
      const ok = write({ patientId: 'C-CA1' }, 1000);
      let durable!: () => void;
      const synced = new Promise<void>((r) => (durable = r));
      const recording = store.recordInstance(ok.w, ev(1000), synced);
      let settled = false;
      void recording.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 30));
      expect(settled).toBe(false);
      durable();
      expect(await recording).toBe(true);
      expect(await store.getInstance(ok.inst.sopUid)).toBeDefined();

      const bad = write({ patientId: 'C-CA2' }, 2000);
      await expect(store.recordInstance(bad.w, ev(2000), Promise.reject(new Error('fdatasync failed')))).rejects.toThrow(
        'fdatasync failed',
      );
      expect(await store.getInstance(bad.inst.sopUid)).toBeUndefined();
      expect(await store.getStudy(bad.inst.studyUid)).toBeUndefined();
    });

    it('records an instance and reads back study, series and instance with the triage tags', async () => {
      const { inst, w } = write({ patientId: 'C-1', patientName: 'Doe^Jane', accession: 'A-1', modality: 'DX' }, 1000);
      expect(await store.recordInstance(w, ev(1000))).toBe(true);
      const study = await store.getStudy(inst.studyUid);
      expect(study).toMatchObject({
        patientId: 'C-1',
        patientName: 'Doe^Jane',
        patientSex: 'F',
        accessionNumber: 'A-1',
        modalities: ['DX'],
        numberOfSeries: 1,
        numberOfInstances: 1,
        completeness: 'receiving',
        firstReceivedAt: 1000,
      });
      expect(study?.patientKey).not.toContain('C-1');
      const [series] = await store.listSeries(inst.studyUid);
      expect(series).toMatchObject({
        seriesInstanceUid: inst.seriesUid,
        modality: 'DX',
        bodyPartExamined: 'CHEST',
        viewPosition: 'PA',
        numberOfInstances: 1,
      });
      const got = await store.getInstance(inst.sopUid);
      expect(got).toMatchObject({ rows: 64, columns: 64, transferSyntaxUid: '1.2.840.10008.1.2.1', sizeBytes: inst.bytes.length });
      expect(await store.listInstances(inst.studyUid, inst.seriesUid)).toHaveLength(1);
    });

    it('stores the same SOP instance once', async () => {
      const { w } = write({}, 1000);
      expect(await store.recordInstance(w, ev(1000))).toBe(true);
      expect(await store.recordInstance(w, ev(2000))).toBe(false);
      expect((await store.getStudy(w.study.studyInstanceUid))?.numberOfInstances).toBe(1);
    });

    it('filters studies by patient, accession, modality and date range', async () => {
      const pid = `F-${testUid()}`;
      await store.recordInstance(write({ patientId: pid, studyDate: '20250105', accession: 'X1', modality: 'CR' }, 1).w, ev(1));
      await store.recordInstance(write({ patientId: pid, studyDate: '20250220', accession: 'X2', modality: 'DX' }, 2).w, ev(2));
      const n = async (f: StudyFilter): Promise<number> => (await store.findStudies({ patientId: pid, ...f })).length;
      expect(await n({})).toBe(2);
      expect(await n({ studyDateFrom: '20250201' })).toBe(1);
      expect(await n({ studyDateFrom: '20250101', studyDateTo: '20250110' })).toBe(1);
      expect(await n({ modality: 'DX' })).toBe(1);
      expect(await n({ accessionNumber: 'X1' })).toBe(1);
      expect(await n({ limit: 1 })).toBe(1);
    });

    it('completes a study once, and a late instance re-opens it for the next generation', async () => {
      const { inst, w } = write({}, 1000);
      await store.recordInstance(w, ev(1000));
      expect(await store.markComplete(inst.studyUid, 999, 5000)).toBeUndefined();
      expect(await store.markComplete(inst.studyUid, 1000, 5000)).toEqual({ generation: 1, instanceCount: 1 });
      expect(await store.markComplete(inst.studyUid, 1000, 6000)).toBeUndefined();
      await store.recordInstance(write({ studyUid: inst.studyUid }, 7000).w, ev(7000));
      expect((await store.getStudy(inst.studyUid))?.completeness).toBe('receiving');
      expect(await store.markComplete(inst.studyUid, 7000, 9000)).toEqual({ generation: 2, instanceCount: 2 });
    });

    it('remembers imported files by path, size and mtime', async () => {
      expect(await store.importSeen('/a/b.dcm', 10, 123)).toBe(false);
      await store.recordImportSeen('/a/b.dcm', 10, 123, 'stored', 1);
      expect(await store.importSeen('/a/b.dcm', 10, 123)).toBe(true);
      expect(await store.importSeen('/a/b.dcm', 11, 123)).toBe(false);
    });
  });
}
