/**
 * SR content items as naturalized datasets (PS3.3 C.17.3, Table C.17-6): readfirst builds the
 * TID 1500 tree from these plain objects instead of dcmjs's template helpers, which throw in
 * dcmjs 0.51 (STACK-NOTES).
 */
export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export type RelationshipType =
  'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'HAS PROPERTIES' | 'INFERRED FROM' | 'HAS ACQ CONTEXT' | 'SELECTED FROM';

export type ContentItem = Record<string, unknown>;

/** CodeMeaning is LO (64 characters at most). */
export function code(value: string, scheme: string, meaning: string): Code {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning.slice(0, 64) };
}

/** The coding scheme designator of a FHIR-style system URL, as DICOM writes it (PS3.16 Table 8-1). */
export function schemeOf(system: string): string {
  switch (system) {
    case 'http://snomed.info/sct':
      return 'SCT';
    case 'http://loinc.org':
      return 'LN';
    case 'http://radlex.org':
    case 'http://www.radlex.org':
      return 'RADLEX';
    case 'http://dicom.nema.org/resources/ontology/DCM':
      return 'DCM';
    default:
      return system.length <= 16 ? system : '99READFIRST';
  }
}

function item(rel: RelationshipType | null, valueType: string, concept: Code | null, rest: ContentItem): ContentItem {
  return {
    ...(rel ? { RelationshipType: rel } : {}),
    ValueType: valueType,
    ...(concept ? { ConceptNameCodeSequence: [concept] } : {}),
    ...rest,
  };
}

export function container(
  rel: RelationshipType | null,
  concept: Code,
  children: readonly ContentItem[],
  extra: ContentItem = {},
): ContentItem {
  return item(rel, 'CONTAINER', concept, {
    ContinuityOfContent: 'SEPARATE',
    ...extra,
    ...(children.length ? { ContentSequence: [...children] } : {}),
  });
}

export function codeItem(rel: RelationshipType, concept: Code, value: Code, children: readonly ContentItem[] = []): ContentItem {
  return item(rel, 'CODE', concept, { ConceptCodeSequence: [value], ...(children.length ? { ContentSequence: [...children] } : {}) });
}

export function textItem(rel: RelationshipType, concept: Code, value: string): ContentItem {
  return item(rel, 'TEXT', concept, { TextValue: value });
}

export function uidItem(rel: RelationshipType, concept: Code, uid: string): ContentItem {
  return item(rel, 'UIDREF', concept, { UID: uid });
}

/** NumericValue is DS: at most 16 characters. */
export function numItem(rel: RelationshipType, concept: Code, value: number, units: Code): ContentItem {
  const ds = Number(value.toPrecision(6));
  return item(rel, 'NUM', concept, { MeasuredValueSequence: [{ NumericValue: ds, MeasurementUnitsCodeSequence: [units] }] });
}

export function imageItem(rel: RelationshipType, concept: Code | null, sopClassUid: string, sopInstanceUid: string): ContentItem {
  return item(rel, 'IMAGE', concept, {
    ReferencedSOPSequence: [{ ReferencedSOPClassUID: sopClassUid, ReferencedSOPInstanceUID: sopInstanceUid }],
  });
}
