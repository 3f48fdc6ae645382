import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';
import { buildMultipart } from './multipart.ts';

type Dataset = Record<string, { vr: string; Value?: unknown[] } | undefined>;

describe('QIDO-RS conformance (PS3.18 10.6)', () => {
  let app: App;
  let base: string;
  let auth: { authorization: string };
  const a = makeInstance({
    patientId: 'QC-1',
    patientName: "O'Brien^Siobhan",
    accession: 'QC-ACC-1',
    studyDate: '20240101',
    modality: 'CR',
  });
  const a2 = makeInstance({
    studyUid: a.studyUid,
    seriesUid: a.seriesUid,
    patientId: 'QC-1',
    accession: 'QC-ACC-1',
    instanceNumber: 2,
    modality: 'CR',
  });
  const b = makeInstance({ patientId: 'QC-2', patientName: 'Quinn^Ann', accession: 'QC-ACC-2', studyDate: '20240102', modality: 'DX' });
  const c = makeInstance({ patientId: 'QC-3', patientName: 'Quinn^Bo', accession: 'QC-ACC-3', studyDate: '20240103', modality: 'DX' });

  const get = async (path: string): Promise<{ status: number; warning: string | null; body: unknown }> => {
    const res = await fetch(`${base}${path}`, { headers: auth });
    const text = await res.text();
    return { status: res.status, warning: res.headers.get('warning'), body: text === '' ? undefined : JSON.parse(text) };
  };

  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false, 'dicomweb.qidoMaxResults': 2 });
    base = `http://127.0.0.1:${app.httpPort()}/dicom-web`;
    auth = bearer(await serviceToken(app, ['dicomweb:read', 'dicomweb:write']));
    const { boundary, body } = buildMultipart([a, a2, b, c].map((x) => ({ contentType: 'application/dicom', body: x.bytes })));
    const res = await fetch(`${base}/studies`, {
      method: 'POST',
      headers: { ...auth, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
      body,
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => app.close());

  it('answers an unknown or unsupported key with 400 and names it, instead of ignoring it', async () => {
    const r = await get('/studies?PatientNmae=Quinn*');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('PatientNmae');
    expect((await get('/studies?SOPInstanceUID=1.2.3')).status).toBe(400);
    expect((await get('/studies?ReferencedStudySequence.StudyInstanceUID=1.2')).status).toBe(400);
    expect((await get('/studies?StudyDate=2024-01-01')).status).toBe(400);
    expect((await get('/studies?StudyInstanceUID=1.2.*')).status).toBe(400);
    expect((await get('/studies?limit=-1')).status).toBe(400);
  });

  it('matches keys by tag as well as keyword, and a person name with an apostrophe literally', async () => {
    const r = await get(`/studies?00100020=QC-1`);
    expect((r.body as Dataset[]).map((d) => d['0020000D']?.Value?.[0])).toEqual([a.studyUid]);
    const n = await get(`/studies?PatientName=${encodeURIComponent("o'brien*")}`);
    expect((n.body as Dataset[]).map((d) => d['0020000D']?.Value?.[0])).toEqual([a.studyUid]);
  });

  it('cuts a result at the server maximum with Warning: 299, and not when the client asked for fewer', async () => {
    const cut = await get('/studies?PatientID=QC-*');
    expect((cut.body as unknown[]).length).toBe(2);
    expect(cut.warning).toMatch(/^299 readfirst "The number of results exceeded the maximum/);
    const asked = await get('/studies?PatientID=QC-*&limit=1');
    expect((asked.body as unknown[]).length).toBe(1);
    expect(asked.warning).toBeNull();
    const rest = await get('/studies?PatientID=QC-*&offset=2');
    expect((rest.body as unknown[]).length).toBe(1);
    expect(rest.warning).toBeNull();
  });

  it('returns optional attributes only with includefield, all of them with includefield=all, and warns on unknown ones', async () => {
    const plain = ((await get('/studies?PatientID=QC-2')).body as Dataset[])[0];
    expect(plain?.['00101010']).toBeUndefined();
    expect(plain?.['00080056']?.Value).toEqual(['ONLINE']);
    const withAge = ((await get('/studies?PatientID=QC-2&includefield=PatientAge')).body as Dataset[])[0];
    expect(withAge?.['00101010']).toEqual({ vr: 'AS' });
    const all = await get('/studies?PatientID=QC-2&includefield=all');
    expect(Object.keys((all.body as Dataset[])[0] ?? {})).toEqual(expect.arrayContaining(['00081030', '00101010', '00401003']));
    const unknown = await get('/studies?PatientID=QC-2&includefield=00180050');
    expect(unknown.status).toBe(200);
    expect(unknown.warning).toContain('includefield 00180050');
  });

  it('searches series and instances at the root, with study-level keys, and matches UID lists', async () => {
    const series = await get(`/series?PatientID=QC-1&Modality=CR`);
    expect((series.body as Dataset[]).map((d) => d['0020000E']?.Value?.[0])).toEqual([a.seriesUid]);
    expect((series.body as Dataset[])[0]?.['00100020']?.Value).toEqual(['QC-1']);
    expect((series.body as Dataset[])[0]?.['00201209']?.Value).toEqual([2]);
    const inst = await get(`/instances?SOPInstanceUID=${a.sopUid},${b.sopUid}`);
    expect((inst.body as Dataset[]).map((d) => d['00080018']?.Value?.[0]).sort()).toEqual([a.sopUid, b.sopUid].sort());
    const scoped = await get(`/studies/${a.studyUid}/instances?InstanceNumber=2`);
    expect((scoped.body as Dataset[]).map((d) => d['00080018']?.Value?.[0])).toEqual([a2.sopUid]);
    expect((await get(`/studies/${a.studyUid}/series?StudyInstanceUID=${a.studyUid}`)).status).toBe(400);
  });

  it('says so when fuzzy matching is asked for and only literal matching was done', async () => {
    const r = await get('/studies?PatientName=quinn*&fuzzymatching=true');
    expect((r.body as unknown[]).length).toBe(2);
    expect(r.warning).toContain('fuzzymatching parameter is not supported');
  });
});
