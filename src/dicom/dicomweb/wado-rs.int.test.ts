import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';
import { dictString, readPart10 } from '../parse/dcmjs.ts';
import { buildMultipart, parseMultipart } from './multipart.ts';

const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** The native pixel bytes of a Part-10 file (copied first: dcmjs wants a whole ArrayBuffer). */
function pixelData(bytes: Uint8Array): Buffer {
  const v = readPart10(new Uint8Array(bytes)).dict['7FE00010']?.Value?.[0];
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new Error('no native pixel data');
}

describe('WADO-RS honours the requested transfer syntax and rendered media type (PS3.18 8.7.3, 10.4)', () => {
  let app: App;
  let auth: { authorization: string };
  const plain = makeInstance({ patientId: 'WADO-TS' });
  const second = makeInstance({ studyUid: plain.studyUid, seriesUid: plain.seriesUid, patientId: 'WADO-TS', instanceNumber: 2 });
  const originalPixels = (): Buffer => pixelData(second.bytes);
  let jpeg: Buffer;
  const jpegUid = { study: plain.studyUid, series: plain.seriesUid, sop: '' };
  const url = (sop: string): string =>
    `http://127.0.0.1:${app.httpPort()}/dicom-web/studies/${plain.studyUid}/series/${plain.seriesUid}/instances/${sop}`;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-wado-'));
    writeFileSync(join(dir, 'in.dcm'), second.bytes);
    // dcmtk's JPEG lossless (process 14, SV1): the decoded pixels must equal the original exactly.
    execFileSync('dcmcjpeg', ['+e1', join(dir, 'in.dcm'), join(dir, 'out.dcm')]);
    jpeg = readFileSync(join(dir, 'out.dcm'));
    jpegUid.sop = second.sopUid;
    app = await startTestApp({ 'dimse.enabled': false });
    auth = bearer(await serviceToken(app, ['dicomweb:read', 'dicomweb:write']));
    const { boundary, body } = buildMultipart([plain.bytes, jpeg].map((b) => ({ contentType: 'application/dicom', body: b })));
    const res = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
      body,
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => app.close());

  it('transcodes a JPEG lossless instance to explicit VR little endian when asked, pixel for pixel', async () => {
    const res = await fetch(url(jpegUid.sop), {
      headers: { ...auth, accept: `multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_LE}` },
    });
    expect(res.status).toBe(200);
    const [part] = parseMultipart(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? '');
    expect(part?.headers['content-type']).toBe(`application/dicom; transfer-syntax=${EXPLICIT_LE}`);
    const parsed = readPart10(new Uint8Array(part?.body ?? Buffer.alloc(0)));
    expect(dictString(parsed.meta, '00020010')).toBe(EXPLICIT_LE);
    expect(dictString(parsed.dict, '00080018')).toBe(jpegUid.sop);
    expect(pixelData(part?.body ?? Buffer.alloc(0)).equals(originalPixels())).toBe(true);
  });

  it('sends the stored bytes for transfer-syntax=* and refuses a syntax it cannot produce with 406', async () => {
    const any = await fetch(url(jpegUid.sop), {
      headers: { ...auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
    });
    const [part] = parseMultipart(Buffer.from(await any.arrayBuffer()), any.headers.get('content-type') ?? '');
    expect(part?.headers['content-type']).toBe(`application/dicom; transfer-syntax=${JPEG_LOSSLESS}`);
    expect(part?.body.equals(jpeg)).toBe(true);
    const j2k = await fetch(url(plain.sopUid), {
      headers: { ...auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.90' },
    });
    expect(j2k.status).toBe(406);
    expect(((await j2k.json()) as { error: string }).error).toBe('not-acceptable');
    const pdf = await fetch(url(plain.sopUid), { headers: { ...auth, accept: 'application/pdf' } });
    expect(pdf.status).toBe(406);
  });

  it('decodes frames to application/octet-stream when asked for explicit VR little endian, and keeps JPEG frames for transfer-syntax=*', async () => {
    const res = await fetch(`${url(jpegUid.sop)}/frames/1`, {
      headers: { ...auth, accept: `multipart/related; type="application/octet-stream"; transfer-syntax=${EXPLICIT_LE}` },
    });
    expect(res.status).toBe(200);
    const [frame] = parseMultipart(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? '');
    expect(frame?.headers['content-type']).toBe(`application/octet-stream; transfer-syntax=${EXPLICIT_LE}`);
    expect(frame?.body.equals(originalPixels())).toBe(true);
    const kept = await fetch(`${url(jpegUid.sop)}/frames/1`, {
      headers: { ...auth, accept: 'multipart/related; type=application/octet-stream; transfer-syntax=*' },
    });
    expect(kept.headers.get('content-type')).toContain(`transfer-syntax=${JPEG_LOSSLESS}`);
    const refused = await fetch(`${url(plain.sopUid)}/frames/1`, { headers: { ...auth, accept: 'multipart/related; type="image/jpeg"' } });
    expect(refused.status).toBe(406);
  });

  it('renders JPEG by default and for Accept: image/jpeg, PNG on request, and 406 for other types', async () => {
    for (const accept of ['image/jpeg', '*/*']) {
      const res = await fetch(`${url(jpegUid.sop)}/rendered`, { headers: { ...auth, accept } });
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 64, 64]);
    }
    const png = await fetch(`${url(plain.sopUid)}/frames/1/rendered?accept=image/png`, { headers: auth });
    expect((await sharp(Buffer.from(await png.arrayBuffer())).metadata()).format).toBe('png');
    expect((await fetch(`${url(plain.sopUid)}/rendered`, { headers: { ...auth, accept: 'image/gif' } })).status).toBe(406);
  });
});
