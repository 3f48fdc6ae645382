/**
 * An imaging order as the RIS sent it (HL7 v2 ORM^O01 / OMI^O23, updated by ADT), keyed by
 * accession number: what triage reads as the order's priority floor and the patient's location.
 */
export interface RisOrder {
  accessionNumber: string;
  patientId: string | null;
  /** HL7 priority code (ORC-7.6 / TQ1-9 / OBR-27.6): S (stat), A (ASAP), R (routine)... */
  priority: string | null;
  /** PV1-2 patient class: E (emergency), I (inpatient), O (outpatient), ... */
  patientClass: string | null;
  /** PV1-3 assigned location, components joined by spaces (point of care, room, bed). */
  location: string | null;
  /** ORC-1 order control (NW new, XO change, CA cancel, SC status). */
  orderControl: string | null;
  /** Requested procedure (OBR-4 text, or code). */
  procedure: string | null;
  /** The message type that last changed it, e.g. "ORM^O01", "ADT^A02". */
  source: string;
  updatedAt: number;
}

const CLASS_WORDS: Record<string, string> = {
  E: 'EMERGENCY',
  I: 'INPATIENT',
  O: 'OUTPATIENT',
  P: 'OUTPATIENT',
  R: 'OUTPATIENT',
  B: 'INPATIENT',
};

/**
 * The location string triage matches its location patterns against (triage/default-policy.ts):
 * the point of care first, so an ICU bed of an inpatient reads as ICU, then the class in words.
 */
export function triageLocationOf(o: Pick<RisOrder, 'patientClass' | 'location'>): string | null {
  const parts = [o.location, o.patientClass ? (CLASS_WORDS[o.patientClass.toUpperCase()] ?? o.patientClass) : null].filter(
    (p): p is string => !!p && p.trim() !== '',
  );
  return parts.length > 0 ? parts.join(' ') : null;
}

/** What triage needs from the orders domain (a typed port: triage never reads the tables). */
export interface OrderLookup {
  orderFor(accessionNumber: string): Promise<RisOrder | undefined>;
}
