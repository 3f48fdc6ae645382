import type { Dialect, SqlValue } from '../../store/db.ts';

/**
 * QIDO-RS search, as the store sees it: matching keys already parsed into the matching types of
 * PS3.4 C.2.2.2 (single value, wildcard, UID list, range), each keyed by a supported attribute.
 * The HTTP side (dicomweb/qido-query.ts) parses and validates; this file turns it into SQL.
 */
export type QidoLevel = 'study' | 'series' | 'instance';

/** Matching keys the store can search on, with the column behind each (aliases of STUDY/SERIES/INSTANCE selects). */
export const QIDO_COLUMNS = {
  StudyInstanceUID: { level: 'study', sql: 'st.study_uid' },
  StudyDate: { level: 'study', sql: 'st.study_date' },
  StudyTime: { level: 'study', sql: 'st.study_time' },
  AccessionNumber: { level: 'study', sql: 'st.accession_number' },
  ReferringPhysicianName: { level: 'study', sql: 'st.referring_physician_name' },
  StudyDescription: { level: 'study', sql: 'st.study_description' },
  PatientName: { level: 'study', sql: 'p.patient_name' },
  PatientID: { level: 'study', sql: 'p.patient_id' },
  PatientBirthDate: { level: 'study', sql: 'p.patient_birth_date' },
  PatientSex: { level: 'study', sql: 'p.patient_sex' },
  ModalitiesInStudy: { level: 'study', sql: '' },
  SeriesInstanceUID: { level: 'series', sql: 'se.series_uid' },
  Modality: { level: 'series', sql: 'se.modality' },
  SeriesNumber: { level: 'series', sql: 'se.series_number' },
  SeriesDescription: { level: 'series', sql: 'se.series_description' },
  BodyPartExamined: { level: 'series', sql: 'se.body_part_examined' },
  SOPInstanceUID: { level: 'instance', sql: 'i.sop_instance_uid' },
  SOPClassUID: { level: 'instance', sql: 'i.sop_class_uid' },
  InstanceNumber: { level: 'instance', sql: 'i.instance_number' },
} as const satisfies Record<string, { level: QidoLevel; sql: string }>;

export type QidoKeyword = keyof typeof QIDO_COLUMNS;

/** PS3.4 C.2.2.2: the matching types readfirst implements. */
export type Matcher =
  | { type: 'single'; value: string }
  /** `*` any run, `?` one character (C.2.2.2.4). */
  | { type: 'wildcard'; pattern: string }
  /** UID list matching (C.2.2.2.2); for ModalitiesInStudy, any of the values. */
  | { type: 'list'; values: string[] }
  /** Range matching (C.2.2.2.5), bounds inclusive, already normalised to comparable strings. */
  | { type: 'range'; from?: string; to?: string }
  | { type: 'integer'; value: number };

export interface AttributeMatch {
  keyword: QidoKeyword;
  matcher: Matcher;
  /** Person names match case-insensitively (as Orthanc and most PACS do; PS3.4 leaves it to the SCP). */
  caseInsensitive: boolean;
}

export interface QidoSearch {
  level: QidoLevel;
  /** Scope from the URL (`/studies/{uid}/series`, `/studies/{uid}/series/{uid}/instances`). */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  matches: readonly AttributeMatch[];
  limit: number;
  offset: number;
}

/** A LIKE pattern from a DICOM wildcard pattern, with `\` as the escape character. */
export function likePattern(pattern: string): string {
  return pattern
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');
}

/** A GLOB pattern (SQLite, case-sensitive) from a DICOM wildcard pattern; `[` is the only special character left. */
export function globPattern(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}

/** The WHERE clause of a search, appended to `params` (PostgreSQL-style `$n` placeholders on both dialects). */
export function whereOf(search: QidoSearch, dialect: Dialect, params: SqlValue[]): string[] {
  const where: string[] = [];
  const p = (v: SqlValue): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (search.studyInstanceUid !== undefined) where.push(`st.study_uid = ${p(search.studyInstanceUid)}`);
  if (search.seriesInstanceUid !== undefined) where.push(`se.series_uid = ${p(search.seriesInstanceUid)}`);
  for (const m of search.matches) {
    if (m.keyword === 'ModalitiesInStudy') {
      const values = m.matcher.type === 'list' ? m.matcher.values : m.matcher.type === 'single' ? [m.matcher.value] : [];
      where.push(
        `EXISTS (SELECT 1 FROM dicom_series ms WHERE ms.study_uid = st.study_uid AND ms.modality IN (${values.map(p).join(', ')}))`,
      );
      continue;
    }
    const col = QIDO_COLUMNS[m.keyword].sql;
    const c = m.caseInsensitive ? `LOWER(${col})` : col;
    const v = (s: string): string => (m.caseInsensitive ? `LOWER(${p(s)})` : p(s));
    const mt = m.matcher;
    switch (mt.type) {
      case 'single':
        where.push(`${c} = ${v(mt.value)}`);
        break;
      case 'integer':
        where.push(`${col} = ${p(mt.value)}`);
        break;
      case 'list':
        where.push(`${col} IN (${mt.values.map(p).join(', ')})`);
        break;
      case 'wildcard':
        // SQLite's LIKE ignores ASCII case, so case-sensitive wildcards use GLOB there.
        if (m.caseInsensitive || dialect === 'postgres') where.push(`${c} LIKE ${v(likePattern(mt.pattern))} ESCAPE '\\'`);
        else where.push(`${col} GLOB ${p(globPattern(mt.pattern))}`);
        break;
      case 'range': {
        // Times compare on their HHMMSS prefix, so "101500.123" lies within 101500-101500.
        const expr = m.keyword === 'StudyTime' ? `SUBSTR(${col}, 1, 6)` : col;
        if (mt.from !== undefined) where.push(`${expr} >= ${p(mt.from)}`);
        if (mt.to !== undefined) where.push(`${expr} <= ${p(mt.to)}`);
        if (mt.from !== undefined || mt.to !== undefined) where.push(`${col} IS NOT NULL AND ${col} <> ''`);
        break;
      }
    }
  }
  return where;
}
