import type { Resource } from '@medplum/fhirtypes';
import type { Db, SqlValue } from '../../store/db.ts';

/** Search criteria readfirst supports (docs/dicom-conformance.md, FHIR section). */
export interface FhirSearch {
  resourceType: string;
  id?: string;
  studyInstanceUid?: string;
  patientId?: string;
  limit: number;
}

/** The generated FHIR resources, over the Db seam (SQLite or PostgreSQL). */
export class FhirStore {
  constructor(private readonly db: Db) {}

  /** Replaces a study's resources (a re-analysis updates them under the same ids). */
  async saveStudy(studyInstanceUid: string, patientId: string | null, resources: readonly Resource[], at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM fhir_resource WHERE study_uid = $1', [studyInstanceUid]);
      for (const r of resources) {
        await tx.run(
          `INSERT INTO fhir_resource (resource_type, id, study_uid, patient_id, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (resource_type, id) DO UPDATE SET study_uid = excluded.study_uid, patient_id = excluded.patient_id, body = excluded.body, updated_at = excluded.updated_at`,
          [r.resourceType, r.id ?? '', studyInstanceUid, patientId, JSON.stringify(r), at],
        );
      }
    });
  }

  async read(resourceType: string, id: string): Promise<Resource | undefined> {
    const rows = await this.db.query<{ body: string }>('SELECT body FROM fhir_resource WHERE resource_type = $1 AND id = $2', [
      resourceType,
      id,
    ]);
    return rows[0] ? (JSON.parse(rows[0].body) as Resource) : undefined;
  }

  async search(s: FhirSearch): Promise<Resource[]> {
    const where = ['resource_type = $1'];
    const params: SqlValue[] = [s.resourceType];
    const add = (col: string, v: string | undefined): void => {
      if (v === undefined) return;
      params.push(v);
      where.push(`${col} = $${params.length}`);
    };
    add('id', s.id);
    add('study_uid', s.studyInstanceUid);
    add('patient_id', s.patientId);
    const rows = await this.db.query<{ body: string }>(
      `SELECT body FROM fhir_resource WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id LIMIT ${Math.max(1, Math.floor(s.limit))}`,
      params,
    );
    return rows.map((r) => JSON.parse(r.body) as Resource);
  }

  async studyResources(studyInstanceUid: string): Promise<Resource[]> {
    const rows = await this.db.query<{ body: string }>('SELECT body FROM fhir_resource WHERE study_uid = $1 ORDER BY resource_type, id', [
      studyInstanceUid,
    ]);
    return rows.map((r) => JSON.parse(r.body) as Resource);
  }
}
