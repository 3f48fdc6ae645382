import type { Db, SqlValue } from '../../store/db.ts';
import type { SeriesRecord, StudyRecord } from '../dicom-store.ts';
import { type QidoSearch, whereOf } from './qido-search.ts';
import {
  type InstanceRow,
  type SeriesRow,
  type StoredInstance,
  type StudyRow,
  STUDY_SELECT,
  toInstance,
  toSeries,
  toStudy,
} from './rows.ts';

/** One page of a search; `more` is true when rows past the page exist (the caller warns the client). */
export interface QidoPage<T> {
  items: T[];
  more: boolean;
}

/** A series or instance match with the study it belongs to (its study-level attributes are returned too). */
export type WithStudy<T> = T & { study: StudyRecord };

/** QIDO-RS searches (PS3.18 10.6) over the Db seam, the same SQL on SQLite and PostgreSQL. */
export interface QidoStore {
  searchStudies(search: QidoSearch): Promise<QidoPage<StudyRecord>>;
  searchSeries(search: QidoSearch): Promise<QidoPage<WithStudy<SeriesRecord>>>;
  searchInstances(search: QidoSearch): Promise<QidoPage<WithStudy<StoredInstance & { series: SeriesRecord }>>>;
}

const SERIES_FROM = `FROM dicom_series se JOIN dicom_study st ON st.study_uid = se.study_uid JOIN dicom_patient p ON p.patient_key = st.patient_key`;
const INSTANCE_FROM = `FROM dicom_instance i JOIN dicom_series se ON se.series_uid = i.series_uid JOIN dicom_study st ON st.study_uid = i.study_uid JOIN dicom_patient p ON p.patient_key = st.patient_key`;

export class SqlQidoStore implements QidoStore {
  constructor(private readonly db: Db) {}

  async searchStudies(search: QidoSearch): Promise<QidoPage<StudyRecord>> {
    const params: SqlValue[] = [];
    const where = whereOf(search, this.db.dialect, params);
    const rows = await this.db.query<StudyRow>(
      `${STUDY_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY st.study_date DESC, st.study_time DESC, st.study_uid${page(search)}`,
      params,
    );
    const more = rows.length > search.limit;
    return { items: await this.withModalities(rows.slice(0, search.limit)), more };
  }

  async searchSeries(search: QidoSearch): Promise<QidoPage<WithStudy<SeriesRecord>>> {
    const params: SqlValue[] = [];
    const where = whereOf(search, this.db.dialect, params);
    const rows = await this.db.query<SeriesRow>(
      `SELECT se.*, (SELECT COUNT(*) FROM dicom_instance ic WHERE ic.series_uid = se.series_uid) AS n_instances ${SERIES_FROM}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY st.study_uid, se.series_number, se.series_uid${page(search)}`,
      params,
    );
    const more = rows.length > search.limit;
    const series = rows.slice(0, search.limit).map(toSeries);
    const studies = await this.studies(series.map((s) => s.studyInstanceUid));
    return { items: series.flatMap((s) => withStudy(s, studies)), more };
  }

  async searchInstances(search: QidoSearch): Promise<QidoPage<WithStudy<StoredInstance & { series: SeriesRecord }>>> {
    const params: SqlValue[] = [];
    const where = whereOf(search, this.db.dialect, params);
    const rows = await this.db.query<InstanceRow>(
      `SELECT i.* ${INSTANCE_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY i.study_uid, i.series_uid, i.instance_number, i.sop_instance_uid${page(search)}`,
      params,
    );
    const more = rows.length > search.limit;
    const instances = rows.slice(0, search.limit).map(toInstance);
    const studies = await this.studies(instances.map((i) => i.studyInstanceUid));
    const series = await this.seriesByUid([...new Set(instances.map((i) => i.seriesInstanceUid))]);
    return {
      items: instances.flatMap((i) => {
        const se = series.get(i.seriesInstanceUid);
        return se ? withStudy({ ...i, series: se }, studies) : [];
      }),
      more,
    };
  }

  private async studies(uids: string[]): Promise<Map<string, StudyRecord>> {
    const distinct = [...new Set(uids)];
    if (distinct.length === 0) return new Map();
    const rows = await this.db.query<StudyRow>(
      `${STUDY_SELECT} WHERE st.study_uid IN (${distinct.map((_, i) => `$${i + 1}`).join(', ')})`,
      distinct,
    );
    return new Map((await this.withModalities(rows)).map((s) => [s.studyInstanceUid, s]));
  }

  private async seriesByUid(uids: string[]): Promise<Map<string, SeriesRecord>> {
    if (uids.length === 0) return new Map();
    const rows = await this.db.query<SeriesRow>(
      `SELECT se.*, (SELECT COUNT(*) FROM dicom_instance ic WHERE ic.series_uid = se.series_uid) AS n_instances
       FROM dicom_series se WHERE se.series_uid IN (${uids.map((_, i) => `$${i + 1}`).join(', ')})`,
      uids,
    );
    return new Map(rows.map((r) => [r.series_uid, toSeries(r)]));
  }

  private async withModalities(rows: StudyRow[]): Promise<StudyRecord[]> {
    if (rows.length === 0) return [];
    const uids = rows.map((r) => r.study_uid);
    const mods = await this.db.query<{ study_uid: string; modality: string }>(
      `SELECT DISTINCT study_uid, modality FROM dicom_series WHERE modality IS NOT NULL AND study_uid IN (${uids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY modality`,
      uids,
    );
    return rows.map((r) =>
      toStudy(
        r,
        mods.filter((m) => m.study_uid === r.study_uid).map((m) => m.modality),
      ),
    );
  }
}

/** One row past the page tells whether the result was cut. */
function page(s: QidoSearch): string {
  return ` LIMIT ${Math.floor(s.limit) + 1} OFFSET ${Math.floor(s.offset)}`;
}

function withStudy<T extends { studyInstanceUid: string }>(item: T, studies: Map<string, StudyRecord>): Array<WithStudy<T>> {
  const study = studies.get(item.studyInstanceUid);
  return study ? [{ ...item, study }] : [];
}
