import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { startTestApp } from '../../../test/support/app.ts';
import type { App } from '../../app/app.ts';
import { buildMultipart } from './multipart.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';

async function stow(app: App, parts: Array<{ contentType: string; body: Uint8Array }>): Promise<Response> {
  const { boundary, body } = buildMultipart(parts);
  return fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies`, {
    method: 'POST',
    headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, ...bearer(token) },
    body,
  });
}

let token = '';

describe('STOW-RS, QIDO-RS and WADO-RS', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false });
    token = await serviceToken(app);
  });
  afterAll(async () => app.close());

  it('stores the good parts of a request with one malformed part and reports the bad one', async () => {
    const a = makeInstance({ patientId: 'STOW-1' });
    const b = makeInstance({ studyUid: a.studyUid, seriesUid: a.seriesUid, patientId: 'STOW-1', instanceNumber: 2 });
    const bad = Buffer.from(a.bytes.subarray(0, 1000));
    const res = await stow(app, [
      { contentType: 'application/dicom', body: a.bytes },
      { contentType: 'application/dicom', body: bad },
      { contentType: 'application/dicom', body: b.bytes },
    ]);
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, { Value?: Array<Record<string, { Value?: unknown[] }>> }>;
    expect(body['00081199']?.Value).toHaveLength(2);
    expect(body['00081198']?.Value).toHaveLength(1);
    expect(body['00081198']?.Value?.[0]?.['00081197']?.Value).toEqual([0xc000]);
    const q = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies?PatientID=STOW-1`, { headers: bearer(token) });
    const studies = (await q.json()) as Array<Record<string, { Value?: unknown[] }>>;
    expect(studies).toHaveLength(1);
    expect(studies[0]?.['00201208']?.Value).toEqual([2]);
  });

  it('answers 409 when no part could be stored and 200 when all were', async () => {
    expect((await stow(app, [{ contentType: 'application/dicom', body: Buffer.from('hello, not DICOM') }])).status).toBe(409);
    const ok = makeInstance();
    expect((await stow(app, [{ contentType: 'application/dicom', body: ok.bytes }])).status).toBe(200);
    expect((await stow(app, [{ contentType: 'application/dicom', body: ok.bytes }])).status).toBe(200);
    const inst = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies/${ok.studyUid}/series/${ok.seriesUid}/instances`, {
      headers: bearer(token),
    });
    expect(((await inst.json()) as unknown[]).length).toBe(1);
  });

  it('filters QIDO studies by date range, modality and accession', async () => {
    const x = makeInstance({ patientId: 'Q-1', studyDate: '20250301', accession: 'ACC-Q1', modality: 'CR' });
    await stow(app, [{ contentType: 'application/dicom', body: x.bytes }]);
    const base = `http://127.0.0.1:${app.httpPort()}/dicom-web/studies`;
    const count = async (qs: string): Promise<number> =>
      ((await (await fetch(`${base}?${qs}`, { headers: bearer(token) })).json()) as unknown[]).length;
    expect(await count('PatientID=Q-1&StudyDate=20250201-20250331')).toBe(1);
    expect(await count('PatientID=Q-1&StudyDate=20250401-')).toBe(0);
    expect(await count('AccessionNumber=ACC-Q1&ModalitiesInStudy=CR')).toBe(1);
    expect(await count('AccessionNumber=ACC-Q1&ModalitiesInStudy=DX')).toBe(0);
    expect(await count('00100020=Q-1')).toBe(1);
  });

  it('retrieves an instance, its metadata, frame 1 and a rendered PNG', async () => {
    const x = makeInstance({ patientId: 'W-1' });
    await stow(app, [{ contentType: 'application/dicom', body: x.bytes }]);
    const url = `http://127.0.0.1:${app.httpPort()}/dicom-web/studies/${x.studyUid}/series/${x.seriesUid}/instances/${x.sopUid}`;
    const inst = await fetch(url, { headers: bearer(token) });
    expect(inst.headers.get('content-type')).toMatch(/^multipart\/related; type="application\/dicom"/);
    const raw = Buffer.from(await inst.arrayBuffer());
    expect(raw.includes(x.bytes)).toBe(true);
    const meta = (await (await fetch(`${url}/metadata`, { headers: bearer(token) })).json()) as Array<
      Record<string, { Value?: unknown[]; BulkDataURI?: string }>
    >;
    expect(meta[0]?.['00080018']?.Value).toEqual([x.sopUid]);
    expect(meta[0]?.['7FE00010']?.BulkDataURI).toBeDefined();
    const frame = await fetch(`${url}/frames/1`, { headers: bearer(token) });
    expect(frame.headers.get('content-type')).toContain('transfer-syntax=1.2.840.10008.1.2.1');
    expect((await frame.arrayBuffer()).byteLength).toBeGreaterThan(64 * 64 * 2);
    const png = await fetch(`${url}/frames/1/rendered`, { headers: { accept: 'image/png', ...bearer(token) } });
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect((await fetch(`${url.replace(x.sopUid, '1.2.3')}/metadata`, { headers: bearer(token) })).status).toBe(404);
  });
});
