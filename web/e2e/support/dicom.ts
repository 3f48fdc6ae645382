import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { SAMPLES } from './server.ts';

dcmjs.log.setLevel('silent');
const { DicomMessage } = dcmjs.data;

export const SAMPLE_DX = 'nccid-dx-uncompressed.dcm';
export const SAMPLE_CR_JPEG = 'siim-cr-jpeg-baseline.dcm';

export function readSample(name: string): Buffer {
  return readFileSync(join(SAMPLES, name));
}

/** The StudyInstanceUID of a file. */
export function sampleStudyUid(bytes: Buffer): string {
  const file = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const v = file.dict['0020000D']?.Value?.[0];
  if (typeof v !== 'string') throw new Error('sample has no StudyInstanceUID');
  return v;
}

let counter = 0;
/** A fresh UID under the 2.25 (UUID-derived) root. */
export function newUid(): string {
  const hex = `${Date.now().toString(16)}${(counter++).toString(16).padStart(4, '0')}${Math.floor(Math.random() * 0xffffff).toString(16)}`;
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

export interface StudyChanges {
  patientName: string;
  patientId: string;
  accession: string;
  /** RequestedProcedurePriority (0040,1003), e.g. STAT. */
  priority?: string;
  institution?: string;
  /** PatientAge (0010,1010), e.g. "010Y". */
  age?: string;
  /** ViewPosition (0018,5101), e.g. "LL" for a lateral. */
  view?: string;
  /** StudyDate (0008,0020) YYYYMMDD, for a prior. */
  studyDate?: string;
  /** Put the instance into this study (a second image of it) instead of a new one. */
  studyUid?: string;
  seriesNumber?: number;
  /** IssuerOfPatientID (0010,0021). */
  issuer?: string;
  /** RequestedProcedureDescription / ReasonForTheRequestedProcedure (0040,1002). */
  indication?: string;
}

/**
 * A copy of a real sample as a new study: new Study/Series/SOP Instance UIDs, its own patient and
 * order priority. Only for native (uncompressed) pixel data: dcmjs rewrites encapsulated
 * fragments and the JPEG frame came back empty.
 */
export function asNewStudy(sample: Buffer, changes: StudyChanges): { bytes: Buffer; studyUid: string; sopUid: string } {
  const ab = sample.buffer.slice(sample.byteOffset, sample.byteOffset + sample.byteLength) as ArrayBuffer;
  const file = DicomMessage.readFile(ab);
  const studyUid = changes.studyUid ?? newUid();
  const sopUid = newUid();
  const set = (tag: string, vr: string, value: unknown): void => {
    file.dict[tag] = { vr, Value: [value] };
  };
  set('0020000D', 'UI', studyUid);
  set('0020000E', 'UI', newUid());
  set('00080018', 'UI', sopUid);
  file.meta['00020003'] = { vr: 'UI', Value: [sopUid] };
  set('00100010', 'PN', { Alphabetic: changes.patientName });
  set('00100020', 'LO', changes.patientId);
  set('00080050', 'SH', changes.accession);
  if (changes.priority) set('00401003', 'SH', changes.priority);
  if (changes.institution) set('00080080', 'LO', changes.institution);
  if (changes.age) set('00101010', 'AS', changes.age);
  if (changes.view) set('00185101', 'CS', changes.view);
  if (changes.studyDate) set('00080020', 'DA', changes.studyDate);
  if (changes.seriesNumber !== undefined) set('00200011', 'IS', changes.seriesNumber);
  if (changes.issuer) set('00100021', 'LO', changes.issuer);
  if (changes.indication) set('00401002', 'LO', changes.indication);
  // Read from implicit VR, Pixel Data has the dictionary's "ox" (OB or OW): native pixels are OW.
  const pixels = file.dict['7FE00010'];
  if (pixels?.vr === 'ox') pixels.vr = 'OW';
  return { bytes: Buffer.from(file.write()), studyUid, sopUid };
}

/**
 * A copy of an encapsulated (JPEG) sample as a new study, edited byte for byte so the fragments
 * stay as the modality wrote them: each UID is replaced by a new one of the same length. With
 * `corrupt`, the JPEG's Huffman tables are overwritten: the file parses, its pixels do not decode.
 */
export function jpegAsNewStudy(sample: Buffer, corrupt: boolean): { bytes: Buffer; studyUid: string } {
  const ab = sample.buffer.slice(sample.byteOffset, sample.byteOffset + sample.byteLength) as ArrayBuffer;
  const file = DicomMessage.readFile(ab);
  const uids = ['0020000D', '0020000E', '00080018'].map((t) => {
    const v = file.dict[t]?.Value?.[0];
    if (typeof v !== 'string') throw new Error(`sample has no ${t}`);
    return v;
  });
  let text = sample.toString('latin1');
  const fresh = uids.map((u) => {
    const tail = String(Date.now() % 10 ** 6).padStart(6, '0') + String(counter++ % 100).padStart(2, '0');
    const n = `${u.slice(0, Math.max(2, u.length - tail.length))}${tail}`.slice(0, u.length);
    text = text.split(u).join(n);
    return n;
  });
  const bytes = Buffer.from(text, 'latin1');
  if (corrupt) {
    const pixels = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    const dht = bytes.indexOf(Buffer.from([0xff, 0xc4]), pixels);
    if (pixels < 0 || dht < 0) throw new Error('no JPEG Huffman table found to corrupt');
    bytes.fill(0xff, dht + 4, dht + 4 + 60);
  }
  return { bytes, studyUid: fresh[0] ?? '' };
}

/** STOW-RS needs a `dicomweb:write` token (a modality gateway); tests register one per server. */
const stowTokens = new Map<string, string>();
export function useStowToken(base: string, token: string): void {
  stowTokens.set(base, token);
}

/** Stores instances over STOW-RS (PS3.18 10.5): one multipart/related request, with the server's STOW token. */
export async function stow(base: string, files: readonly Buffer[], headers: Record<string, string> = {}): Promise<void> {
  const token = stowTokens.get(base);
  if (token) headers = { authorization: `Bearer ${token}`, ...headers };
  const boundary = `rf-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${base}/dicom-web/studies`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      accept: 'application/dicom+json',
      ...headers,
    },
    body: Buffer.concat(parts),
  });
  if (res.status !== 200) throw new Error(`STOW-RS answered ${res.status}: ${await res.text()}`);
}
