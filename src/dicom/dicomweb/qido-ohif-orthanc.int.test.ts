import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';
import { type DicomWebClient, dicomWebClient, searchStudies } from '../../../test/support/dicomweb-client.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { type OrthancPeer, orthancDecodingProxy, orthancUpload, startOrthanc } from '../../../test/support/orthanc.ts';
import type { App } from '../../app/app.ts';
import { buildMultipart } from './multipart.ts';

type Dataset = Record<string, { Value?: unknown[] } | undefined>;

/** Twelve studies with the attributes an OHIF study list filters on. */
const STUDIES = [
  {
    patientName: 'Doe^John',
    patientId: 'P2601',
    accession: 'ACC0701',
    studyDate: '20250105',
    studyTime: '081500',
    modality: 'DX',
    studyDescription: 'CHEST PA',
  },
  {
    patientName: 'DOE^JANE',
    patientId: 'P2602',
    accession: 'ACC0702',
    studyDate: '20250110',
    studyTime: '093000',
    modality: 'CR',
    studyDescription: 'CHEST AP',
  },
  {
    patientName: 'Doerr^Anna',
    patientId: 'P2603',
    accession: 'ACC0703',
    studyDate: '20250115',
    studyTime: '141000',
    modality: 'DX',
    studyDescription: 'CHEST',
  },
  {
    patientName: 'Smith^Adam',
    patientId: 'P2701',
    accession: 'ACC0801',
    studyDate: '20250201',
    studyTime: '101500',
    modality: 'CT',
    studyDescription: 'CT THORAX',
  },
  {
    patientName: 'smith^eve',
    patientId: 'P2702',
    accession: 'ACC0802',
    studyDate: '20250203',
    studyTime: '220000',
    modality: 'DX',
    studyDescription: 'CHEST PA',
  },
  {
    patientName: 'Smyth^Ben',
    patientId: 'P2703',
    accession: 'ACC0803',
    studyDate: '20250210',
    studyTime: '000500',
    modality: 'CR',
    studyDescription: 'CHEST',
  },
  {
    patientName: 'Nobody^Else',
    patientId: 'Q1001',
    accession: 'XYZ0001',
    studyDate: '20241231',
    studyTime: '235900',
    modality: 'DX',
    studyDescription: 'CHEST',
  },
  {
    patientName: 'Jones^Carl',
    patientId: 'Q1002',
    accession: 'XYZ0002',
    studyDate: '20250301',
    studyTime: '120000',
    modality: 'MR',
    studyDescription: 'MR KNEE',
  },
  {
    patientName: 'Jonas^Dora',
    patientId: 'Q1003',
    accession: 'XYZ0003',
    studyDate: '20250302',
    studyTime: '121500',
    modality: 'DX',
    studyDescription: 'CHEST PA',
  },
  {
    patientName: 'Lee^Fay',
    patientId: 'Q1004',
    accession: 'XYZ0004',
    studyDate: '20250303',
    studyTime: '130000',
    modality: 'DX',
    studyDescription: 'CHEST PA',
  },
  {
    patientName: 'Lee^Gus',
    patientId: 'Q1005',
    accession: 'XYZ0005',
    studyDate: '20250304',
    studyTime: '131500',
    modality: 'CR',
    studyDescription: 'CHEST AP',
  },
  {
    patientName: 'Lee^Hal',
    patientId: 'Q1006',
    accession: 'XYZ0006',
    studyDate: '20250305',
    studyTime: '133000',
    modality: 'DX',
    studyDescription: 'CHEST PA',
  },
];

const uidsOf = (list: unknown[]): string[] => (list as Dataset[]).map((d) => String(d['0020000D']?.Value?.[0])).sort();

describe('QIDO-RS: the study-list queries of OHIF give the same studies from readfirst and from Orthanc', () => {
  let app: App;
  let orthanc: OrthancPeer;
  let rf: DicomWebClient;
  let ref: DicomWebClient;
  let proxy: Awaited<ReturnType<typeof orthancDecodingProxy>> | undefined;
  const byPatient = new Map<string, string>();

  beforeAll(async () => {
    [app, orthanc] = await Promise.all([startTestApp({ 'dimse.enabled': false }), startOrthanc()]);
    const token = await serviceToken(app, ['dicomweb:read', 'dicomweb:write']);
    const instances = STUDIES.map((s) => makeInstance(s));
    STUDIES.forEach((s, i) => byPatient.set(s.patientId, instances[i]?.studyUid ?? ''));
    const { boundary, body } = buildMultipart(instances.map((x) => ({ contentType: 'application/dicom', body: x.bytes })));
    const res = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
      body,
    });
    expect(res.status).toBe(200);
    for (const x of instances) await orthancUpload(orthanc, x.bytes);
    rf = dicomWebClient(`http://127.0.0.1:${app.httpPort()}/dicom-web`, { token });
    proxy = await orthancDecodingProxy(orthanc);
    ref = dicomWebClient(proxy.dicomWebUrl);
  }, 90_000);
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([app?.close(), orthanc?.stop()]);
  });

  const both = async (queryParams: Record<string, string | number>): Promise<{ ours: string[]; theirs: string[] }> => {
    const [a, b] = await Promise.all([searchStudies(rf, queryParams), searchStudies(ref, queryParams)]);
    return { ours: uidsOf(a), theirs: uidsOf(b) };
  };
  const expectSame = async (queryParams: Record<string, string | number>, patients: string[]): Promise<void> => {
    const { ours, theirs } = await both(queryParams);
    expect(ours, JSON.stringify(queryParams)).toEqual(theirs);
    expect(ours).toEqual(patients.map((p) => byPatient.get(p)).sort());
  };

  it('patient name with a wildcard, case-insensitive, and an exact name', async () => {
    await expectSame({ PatientName: 'doe*' }, ['P2601', 'P2602', 'P2603']);
    await expectSame({ PatientName: 'Doe^J*' }, ['P2601', 'P2602']);
    await expectSame({ PatientName: '*mith*' }, ['P2701', 'P2702']);
    await expectSame({ PatientName: 'Sm?th*' }, ['P2701', 'P2702', 'P2703']);
    await expectSame({ PatientName: 'Nobody' }, []);
    await expectSame({ PatientName: 'Nobody^Else' }, ['Q1001']);
  });

  it('patient ID and accession number with wildcards', async () => {
    await expectSame({ PatientID: 'P26*' }, ['P2601', 'P2602', 'P2603']);
    await expectSame({ AccessionNumber: 'ACC07*' }, ['P2601', 'P2602', 'P2603']);
    await expectSame({ AccessionNumber: 'XYZ000?' }, ['Q1001', 'Q1002', 'Q1003', 'Q1004', 'Q1005', 'Q1006']);
    await expectSame({ PatientID: 'Q1002' }, ['Q1002']);
  });

  it('study date ranges, open and closed, and a study time range', async () => {
    await expectSame({ StudyDate: '20250101-20250131' }, ['P2601', 'P2602', 'P2603']);
    await expectSame({ StudyDate: '-20250101' }, ['Q1001']);
    await expectSame({ StudyDate: '20250302-' }, ['Q1003', 'Q1004', 'Q1005', 'Q1006']);
    await expectSame({ StudyDate: '20250203' }, ['P2702']);
    await expectSame({ StudyDate: '20250301-20250305', StudyTime: '121500-131500' }, ['Q1003', 'Q1004', 'Q1005']);
  });

  it('modality in study, alone and combined with a date range', async () => {
    await expectSame({ ModalitiesInStudy: 'CR' }, ['P2602', 'P2703', 'Q1005']);
    await expectSame({ ModalitiesInStudy: 'DX', StudyDate: '20250301-' }, ['Q1003', 'Q1004', 'Q1006']);
  });

  it('a list of study UIDs', async () => {
    const uids = [byPatient.get('P2601'), byPatient.get('Q1006')].join(',');
    await expectSame({ StudyInstanceUID: uids }, ['P2601', 'Q1006']);
  });

  it('limit and offset page through the same set on both servers', async () => {
    const pageUids = async (c: DicomWebClient): Promise<string[][]> => {
      const pages: string[][] = [];
      for (let offset = 0; offset < 12; offset += 5) pages.push(uidsOf(await searchStudies(c, { limit: 5, offset })));
      return pages;
    };
    for (const pages of [await pageUids(rf), await pageUids(ref)]) {
      expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
      expect(new Set(pages.flat()).size).toBe(12);
      expect(pages.flat().sort()).toEqual([...byPatient.values()].sort());
    }
  });

  it('includefield returns the study description OHIF shows, on both servers', async () => {
    const queryParams = { PatientID: 'P2701', includefield: '00081030,00080061' };
    const [a, b] = (await Promise.all([searchStudies(rf, queryParams), searchStudies(ref, queryParams)])) as Dataset[][];
    expect(a?.[0]?.['00081030']?.Value).toEqual(['CT THORAX']);
    expect(b?.[0]?.['00081030']?.Value).toEqual(['CT THORAX']);
    expect(a?.[0]?.['00080061']?.Value).toEqual(b?.[0]?.['00080061']?.Value);
  });
});
