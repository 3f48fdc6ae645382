import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { acknowledgedCount, runDcmtk } from '../../../test/support/dcmtk.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';

/** The data set of a Part-10 file: everything after the group-0002 meta header (PS3.10 7.1). */
function datasetPart(file: Buffer): Buffer {
  expect(file.toString('latin1', 128, 132)).toBe('DICM');
  expect(file.readUInt16LE(132)).toBe(0x0002);
  expect(file.readUInt16LE(134)).toBe(0x0000);
  return file.subarray(144 + file.readUInt32LE(140));
}

function metaUid(file: Buffer, element: number): string {
  let at = 132;
  while (file.readUInt16LE(at) === 0x0002) {
    const el = file.readUInt16LE(at + 2);
    const vr = file.toString('latin1', at + 4, at + 6);
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const len = long ? file.readUInt32LE(at + 8) : file.readUInt16LE(at + 6);
    const start = at + (long ? 12 : 8);
    if (el === element) return file.toString('latin1', start, start + len).replace(/\0+$/, '');
    at = start + len;
  }
  return '';
}

describe('C-STORE keeps the data set bytes exactly as sent', () => {
  let app: App;
  let port: string;
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.aeTitle': 'READFIRST' });
    port = String(app.services.dicom.dimse?.port());
  });
  afterAll(async () => app.close());

  async function sendAndRead(file: string, sopUid: string, extraArgs: string[]): Promise<Buffer> {
    const r = await runDcmtk('storescu', ['-v', ...extraArgs, '-aec', 'READFIRST', '127.0.0.1', port, file]);
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(1);
    const rec = await app.services.dicom.studies.getInstance(sopUid);
    expect(rec).toBeDefined();
    if (!rec) throw new Error('not stored');
    const files = app.services.dicom.files;
    if (!files) throw new Error('no instance files');
    return files.read(rec);
  }

  it('explicit VR little endian: the stored data set equals the original file byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-raw-'));
    const x = makeInstance({ rows: 128, columns: 96, patientId: 'RAW-1' });
    const path = join(dir, 'a.dcm');
    writeFileSync(path, x.bytes);
    const stored = await sendAndRead(path, x.sopUid, ['-xe']);
    expect(metaUid(stored, 0x0010)).toBe('1.2.840.10008.1.2.1');
    expect(metaUid(stored, 0x0003)).toBe(x.sopUid);
    expect(datasetPart(stored).equals(datasetPart(x.bytes))).toBe(true);
  });

  it('implicit VR little endian: the stored data set equals the data set dcmtk encodes for the wire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-raw-'));
    const x = makeInstance({ rows: 64, columns: 64, patientId: 'RAW-2' });
    const path = join(dir, 'a.dcm');
    const implicit = join(dir, 'a-implicit.dcm');
    writeFileSync(path, x.bytes);
    expect((await runDcmtk('dcmconv', ['+ti', path, implicit])).code).toBe(0);
    const stored = await sendAndRead(path, x.sopUid, ['-xi']);
    expect(metaUid(stored, 0x0010)).toBe('1.2.840.10008.1.2');
    expect(datasetPart(stored).equals(datasetPart(readFileSync(implicit)))).toBe(true);
  });
});
