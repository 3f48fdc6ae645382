import { createHmac, randomBytes } from 'node:crypto';
import { type DcmjsDict, dictString } from '../../dicom/parse/dcmjs.ts';
import { actionForTag } from './profile.ts';

type Element = DcmjsDict[string];

/** Per-export secrets: UIDs and pseudonyms are consistent within one export and unlinkable across exports. */
export class Pseudonyms {
  private readonly uids = new Map<string, string>();
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  private mac(kind: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(kind).update('\0').update(value).digest();
  }

  /** A new UID under the 2.25 root (PS3.5 B.2: a UUID as a decimal integer), the same for the same input. */
  uid(original: string): string {
    let u = this.uids.get(original);
    if (!u) {
      u = `2.25.${BigInt(`0x${this.mac('uid', original).subarray(0, 16).toString('hex')}`).toString()}`;
      this.uids.set(original, u);
    }
    return u;
  }

  patientId(original: string): string {
    return `RF${this.mac('patient', original).subarray(0, 6).toString('hex').toUpperCase()}`;
  }

  /** Days every date of this patient moves back: 1 to 3,650, so intervals between studies stay true. */
  dayShift(patientKey: string): number {
    return 1 + (this.mac('shift', patientKey).readUInt32BE(0) % 3650);
  }
}

function shiftDa(v: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(v);
  if (!m) return '';
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - days * 86_400_000;
  const d = new Date(t);
  return `${d.getUTCFullYear().toString().padStart(4, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}${v.slice(8)}`;
}

function dummy(vr: string): unknown[] {
  switch (vr) {
    case 'PN':
      return [{ Alphabetic: 'ANONYMIZED' }];
    case 'DA':
      return ['19000101'];
    case 'TM':
      return ['000000'];
    case 'DT':
      return ['19000101000000'];
    case 'UI':
      return ['2.25.0'];
    case 'AS':
      return ['000Y'];
    case 'IS':
    case 'DS':
      return ['0'];
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'SV':
    case 'UV':
      return [0];
    case 'CS':
      return ['ANONYMIZED'];
    case 'SQ':
      return [];
    case 'OB':
    case 'OW':
    case 'UN':
      return [new ArrayBuffer(2)];
    default:
      return ['ANONYMIZED'];
  }
}

export interface DeidContext {
  pseudonyms: Pseudonyms;
  /** Days to shift this patient's dates back. */
  days: number;
  /** The pseudonym that replaces PatientID and PatientName. */
  patientId: string;
}

/**
 * Applies the profile to a dcmjs data set in place, items of sequences included (their depth is
 * bounded at ingest). PatientID and PatientName become the export's pseudonym, which is a
 * dummy value in the profile's sense (E.1.1: "D").
 */
export function deidentifyDataset(dict: DcmjsDict, ctx: DeidContext): void {
  for (const tag of Object.keys(dict)) {
    const el = dict[tag] as Element;
    if (tag === '00100020' || tag === '00100010') {
      el.Value = tag === '00100010' ? [{ Alphabetic: ctx.patientId }] : [ctx.patientId];
      continue;
    }
    const action = actionForTag(tag);
    switch (action) {
      case 'remove':
        delete dict[tag];
        break;
      case 'empty':
        el.Value = [];
        break;
      case 'dummy':
        if (el.vr === 'SQ') cleanItems(el, ctx);
        else el.Value = dummy(el.vr);
        break;
      case 'uid':
        if (el.vr === 'SQ') {
          cleanItems(el, ctx);
          break;
        }
        el.Value = (el.Value ?? []).map((v) => (typeof v === 'string' && v !== '' ? ctx.pseudonyms.uid(v) : v));
        break;
      case 'shift':
        if (el.vr === 'DA' || el.vr === 'DT') el.Value = (el.Value ?? []).map((v) => (typeof v === 'string' ? shiftDa(v, ctx.days) : v));
        break;
      case 'keep':
        if (el.vr === 'SQ') cleanItems(el, ctx);
        break;
    }
  }
}

function cleanItems(el: Element, ctx: DeidContext): void {
  for (const item of (el.Value ?? []) as DcmjsDict[]) deidentifyDataset(item, ctx);
}

/** DICOM codes (CID 7050) of what was done, for DeidentificationMethodCodeSequence (0012,0064). */
export const DEID_METHOD_CODES = [
  { code: '113100', meaning: 'Basic Application Confidentiality Profile' },
  { code: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  { code: '113108', meaning: 'Retain Patient Characteristics Option' },
] as const;

/** Marks a data set de-identified (PS3.15 E.1.1 items 6-7; PS3.3 C.7.1.1). */
export function markDeidentified(dict: DcmjsDict): void {
  dict['00120062'] = { vr: 'CS', Value: ['YES'] };
  dict['00120063'] = { vr: 'LO', Value: ['readfirst export: PS3.15 Basic Profile, Modified Dates, Patient Characteristics'] };
  dict['00120064'] = {
    vr: 'SQ',
    Value: DEID_METHOD_CODES.map((c) => ({
      '00080100': { vr: 'SH', Value: [c.code] },
      '00080102': { vr: 'SH', Value: ['DCM'] },
      '00080104': { vr: 'LO', Value: [c.meaning] },
    })),
  };
  dict['00280303'] = { vr: 'CS', Value: ['MODIFIED'] };
}

/**
 * Whether the pixels may carry burned-in text (names, dates) that no tag rule removes: the object
 * says BurnedInAnnotation YES, or it is a kind that often does (secondary capture, ultrasound,
 * screen captures) and does not say NO. Such files are held back for review.
 */
export function mayHaveBurnedInText(dict: DcmjsDict): boolean {
  const burned = (dictString(dict, '00280301') ?? '').toUpperCase();
  if (burned === 'YES') return true;
  if (burned === 'NO') return false;
  const modality = (dictString(dict, '00080060') ?? '').toUpperCase();
  const sopClass = dictString(dict, '00080016') ?? '';
  return ['US', 'SC', 'OT', 'XC', 'ES', 'GM', 'SM'].includes(modality) || sopClass.startsWith('1.2.840.10008.5.1.4.1.1.7');
}
