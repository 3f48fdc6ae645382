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
}

/**
 * A copy of a real sample as a new study: new Study/Series/SOP Instance UIDs, its own patient and
 * order priority. Only for native (uncompressed) pixel data: dcmjs rewrites encapsulated
 * fragments and the JPEG frame came back empty.
 */
export function asNewStudy(sample: Buffer, changes: StudyChanges): { bytes: Buffer; studyUid: string; sopUid: string } {
  const ab = sample.buffer.slice(sample.byteOffset, sample.byteOffset + sample.byteLength) as ArrayBuffer;
  const file = DicomMessage.readFile(ab);
  const studyUid = newUid();
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
  return { bytes: Buffer.from(file.write()), studyUid, sopUid };
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
    headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json', ...headers },
    body: Buffer.concat(parts),
  });
  if (res.status !== 200) throw new Error(`STOW-RS answered ${res.status}: ${await res.text()}`);
}
