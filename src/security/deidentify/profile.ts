import table from './ps3.15-table-e.1-1.json' with { type: 'json' };

/**
 * What the profile does to one attribute (DICOM PS3.15 E.1.1): remove, empty, replace with a
 * dummy, replace the UID (consistently within the export), keep, or shift the date by the
 * patient's offset (Retain Longitudinal Temporal Information with Modified Dates, E.3.6).
 */
export type DeidAction = 'remove' | 'empty' | 'dummy' | 'uid' | 'keep' | 'shift';

export interface ProfileAttribute {
  tag: string;
  name: string;
  basic: string;
  retainLongitudinalModifiedDates?: string;
  retainPatientCharacteristics?: string;
}

/** PS3.15 Table E.1-1 as kept in the repository (ps3.15-table-e.1-1.json). */
export const PROFILE_TABLE: readonly ProfileAttribute[] = table.attributes;

/**
 * Where the table leaves a choice to the IOD (X/Z, X/D, Z/D, X/Z/D, X/Z/U*), the choice that keeps
 * every IOD valid: an element that may be required stays, emptied or with a dummy value.
 */
function basicAction(code: string): DeidAction {
  switch (code) {
    case 'X':
      return 'remove';
    case 'Z':
    case 'X/Z':
      return 'empty';
    case 'D':
    case 'X/D':
    case 'Z/D':
    case 'X/Z/D':
      return 'dummy';
    case 'U':
    case 'X/Z/U*':
      return 'uid';
    case 'K':
      return 'keep';
    default:
      return 'remove';
  }
}

/**
 * The action for one attribute under the Basic Profile with the Retain Longitudinal Temporal
 * Information with Modified Dates and Retain Patient Characteristics options (sex and age stay:
 * the bias audit needs them).
 */
export function actionFor(a: ProfileAttribute): DeidAction {
  if (a.retainPatientCharacteristics === 'K') return 'keep';
  if (a.retainLongitudinalModifiedDates === 'C') return 'shift';
  return basicAction(a.basic);
}

const exact = new Map<string, DeidAction>();
const repeating: Array<{ group: string; element: string; action: DeidAction }> = [];
for (const a of PROFILE_TABLE) {
  if (a.tag.includes('x')) repeating.push({ group: a.tag.slice(0, 2), element: a.tag.slice(4), action: actionFor(a) });
  else exact.set(a.tag, actionFor(a));
}

/**
 * The action for a tag ("GGGGEEEE", upper-case hex) of a data set being exported: the table's
 * entry (repeating groups 50xx/60xx included), removal for private attributes (odd groups), and
 * keep for the rest of the standard attributes.
 */
export function actionForTag(tag: string): DeidAction {
  const t = tag.toUpperCase();
  const found = exact.get(t);
  if (found) return found;
  const group = parseInt(t.slice(0, 4), 16);
  if (group % 2 === 1) return 'remove';
  for (const r of repeating) {
    if (t.startsWith(r.group) && (r.element === 'xxxx' || t.slice(4) === r.element.toUpperCase())) return r.action;
  }
  return 'keep';
}
