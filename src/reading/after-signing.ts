import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import type { Principal } from '../security/users.ts';
import type { Db } from '../store/db.ts';
import type { Addendum, CommunicationMethod, CriticalCommunication, PriorStudy } from './reading.ts';
import type { ReadingStore } from './reading-store.ts';

export { COMMUNICATION_METHODS } from './reading.ts';
export type { Addendum, CommunicationMethod, CriticalCommunication, PriorStudy };

export interface AfterSigningDeps {
  db: Db;
  clock: Clock;
  store: ReadingStore;
  /** The DICOM store, looked up per call (it may start after this module). */
  studies: () => Pick<DicomStore, 'getStudy' | 'findStudies'> | undefined;
  /** Called after an addendum is signed (the worklist marks the study addended). */
  onAddendum?: (studyUid: string, reader: Principal) => Promise<void>;
}

interface AddendumRow extends Record<string, unknown> {
  id: string;
  reading_id: string;
  study_uid: string;
  reader_name: string;
  text: string;
  signed_at: number | string;
}

interface CommunicationRow extends Record<string, unknown> {
  id: string;
  study_uid: string;
  finding: string;
  recipient: string;
  recipient_role: string;
  method: string;
  communicated_at: number | string;
  acknowledged_by: string | null;
  recorded_by: string;
  recorded_at: number | string;
  note: string;
}

const toCommunication = (r: CommunicationRow): CriticalCommunication => ({
  id: r.id,
  studyInstanceUid: r.study_uid,
  finding: r.finding,
  recipient: r.recipient,
  recipientRole: r.recipient_role,
  method: r.method as CommunicationMethod,
  communicatedAt: Number(r.communicated_at),
  acknowledgedBy: r.acknowledged_by,
  recordedBy: r.recorded_by,
  recordedAt: Number(r.recorded_at),
  note: r.note,
});

/** What happens to a study after its report is signed: addenda, critical-result calls, priors. */
export class AfterSigning {
  constructor(private readonly deps: AfterSigningDeps) {}

  async addenda(studyUid: string): Promise<Addendum[]> {
    const rows = await this.deps.db.query<AddendumRow>('SELECT * FROM reading_addenda WHERE study_uid = $1 ORDER BY signed_at, id', [
      studyUid,
    ]);
    return rows.map((r) => ({
      id: r.id,
      readingId: r.reading_id,
      studyInstanceUid: r.study_uid,
      readerName: r.reader_name,
      text: r.text,
      signedAt: Number(r.signed_at),
    }));
  }

  /** Signs an addendum to the study's signed report; refused before a report is signed. */
  async addAddendum(studyUid: string, reader: Principal, text: string): Promise<Addendum> {
    const signed = (await this.deps.store.signedForStudy(studyUid)).at(-1);
    if (!signed) throw new ReadfirstError('conflict', 'an addendum needs a signed report: sign the report first');
    if (text.trim() === '') throw new ReadfirstError('invalid-input', 'the addendum is empty');
    const a: Addendum = {
      id: randomUUID(),
      readingId: signed.id,
      studyInstanceUid: studyUid,
      readerName: reader.displayName,
      text: text.trim(),
      signedAt: this.deps.clock.now(),
    };
    await this.deps.db.run(
      'INSERT INTO reading_addenda (id, reading_id, study_uid, reader_id, reader_name, text, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [a.id, a.readingId, studyUid, reader.userId, a.readerName, a.text, a.signedAt],
    );
    await this.deps.onAddendum?.(studyUid, reader);
    return a;
  }

  async communications(studyUid: string): Promise<CriticalCommunication[]> {
    const rows = await this.deps.db.query<CommunicationRow>(
      'SELECT * FROM critical_communications WHERE study_uid = $1 ORDER BY communicated_at, id',
      [studyUid],
    );
    return rows.map(toCommunication);
  }

  async recordCommunication(
    studyUid: string,
    reader: Principal,
    c: Pick<CriticalCommunication, 'finding' | 'recipient' | 'recipientRole' | 'method' | 'note'> & {
      communicatedAt?: number;
      acknowledgedBy?: string | null;
    },
  ): Promise<CriticalCommunication> {
    const now = this.deps.clock.now();
    if (c.communicatedAt !== undefined && c.communicatedAt > now + 60_000)
      throw new ReadfirstError('invalid-input', 'a communication cannot be in the future');
    const row: CriticalCommunication = {
      id: randomUUID(),
      studyInstanceUid: studyUid,
      finding: c.finding,
      recipient: c.recipient,
      recipientRole: c.recipientRole,
      method: c.method,
      communicatedAt: c.communicatedAt ?? now,
      acknowledgedBy: c.acknowledgedBy?.trim() ? c.acknowledgedBy.trim() : null,
      recordedBy: reader.displayName,
      recordedAt: now,
      note: c.note,
    };
    await this.deps.db.run(
      `INSERT INTO critical_communications (id, study_uid, finding, recipient, recipient_role, method, communicated_at, acknowledged_by, recorded_by, recorded_at, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.id,
        studyUid,
        row.finding,
        row.recipient,
        row.recipientRole,
        row.method,
        row.communicatedAt,
        row.acknowledgedBy,
        row.recordedBy,
        row.recordedAt,
        row.note,
      ],
    );
    return row;
  }

  /** Records who acknowledged receipt of a communication made earlier (a call-back). */
  async acknowledgeCommunication(studyUid: string, id: string, acknowledgedBy: string): Promise<CriticalCommunication> {
    const n = await this.deps.db.run('UPDATE critical_communications SET acknowledged_by = $1 WHERE id = $2 AND study_uid = $3', [
      acknowledgedBy.trim(),
      id,
      studyUid,
    ]);
    if (n === 0) throw new ReadfirstError('not-found', `no communication ${id} for this study`);
    const found = (await this.communications(studyUid)).find((x) => x.id === id);
    if (!found) throw new ReadfirstError('not-found', `no communication ${id} for this study`);
    return found;
  }

  /**
   * The patient's other studies, newest first: same PatientID within the same issuer (the DICOM
   * store's patient key), each with its latest signed report.
   */
  async priors(studyUid: string): Promise<PriorStudy[]> {
    const dicom = this.deps.studies();
    const study = await dicom?.getStudy(studyUid);
    if (!dicom || !study) throw new ReadfirstError('not-found', `no study ${studyUid}`);
    if (!study.patientId) return [];
    const same = (await dicom.findStudies({ patientId: study.patientId, limit: 200 })).filter(
      (s) => s.patientKey === study.patientKey && s.studyInstanceUid !== studyUid,
    );
    const out: PriorStudy[] = [];
    for (const s of same) {
      const signed = (await this.deps.store.signedForStudy(s.studyInstanceUid)).at(-1);
      out.push({
        studyInstanceUid: s.studyInstanceUid,
        studyDate: s.studyDate,
        studyTime: s.studyTime,
        studyDescription: s.studyDescription,
        accessionNumber: s.accessionNumber,
        modalities: s.modalities,
        report: signed?.report ?? null,
        reportSignedBy: signed?.readerName ?? null,
        reportSignedAt: signed?.signedAt ?? null,
      });
    }
    return out.sort((a, b) => `${b.studyDate ?? ''}${b.studyTime ?? ''}`.localeCompare(`${a.studyDate ?? ''}${a.studyTime ?? ''}`));
  }
}
