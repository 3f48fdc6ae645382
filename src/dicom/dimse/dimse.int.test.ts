import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { acknowledgedCount, runDcmtk } from '../../../test/support/dcmtk.ts';
import { makeInstance, testUid } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';

describe('C-STORE and C-ECHO SCP with dcmtk peers', () => {
  let app: App;
  let token = '';
  let port: string;
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.aeTitle': 'READFIRST', 'dimse.allowedCallingAeTitles': ['MODALITY1', 'ECHOSCU', 'STORESCU'] });
    token = await serviceToken(app);
    port = String(app.services.dicom.dimse?.port());
  });
  afterAll(async () => app.close());

  it('answers echoscu', async () => {
    const r = await runDcmtk('echoscu', ['-aet', 'ECHOSCU', '-aec', 'READFIRST', '127.0.0.1', port]);
    expect(r.code).toBe(0);
  });

  it('rejects a calling AE title outside the allow-list, and an unknown called AE title', async () => {
    expect((await runDcmtk('echoscu', ['-aet', 'INTRUDER', '-aec', 'READFIRST', '127.0.0.1', port])).code).not.toBe(0);
    expect((await runDcmtk('echoscu', ['-aet', 'ECHOSCU', '-aec', 'SOMEONE', '127.0.0.1', port])).code).not.toBe(0);
  });

  it('stores 200 files sent by storescu in one association; all are queryable via QIDO', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-scu-'));
    const studyUid = testUid();
    const seriesUid = testUid();
    for (let n = 1; n <= 200; n++) {
      writeFileSync(join(dir, `f${n}.dcm`), makeInstance({ studyUid, seriesUid, patientId: 'DIMSE-200', instanceNumber: n }).bytes);
    }
    const r = await runDcmtk('storescu', ['-v', '-aet', 'MODALITY1', '-aec', 'READFIRST', '+sd', '127.0.0.1', port, dir]);
    expect(r.code).toBe(0);
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(200);
    const res = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies/${studyUid}/instances?limit=1000`, {
      headers: bearer(token),
    });
    expect(((await res.json()) as unknown[]).length).toBe(200);
    const studies = (await (
      await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies?PatientID=DIMSE-200`, { headers: bearer(token) })
    ).json()) as Array<Record<string, { Value?: unknown[] }>>;
    expect(studies[0]?.['00201208']?.Value).toEqual([200]);
  });

  it('fails a data set with an invalid SeriesInstanceUID with status 0xA900, and stores the rest of the association', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-scu-bad-'));
    const good = makeInstance({ patientId: 'DIMSE-BAD' });
    const bad = makeInstance({ studyUid: good.studyUid, seriesUid: '1.2.abc' });
    writeFileSync(join(dir, 'a-bad.dcm'), bad.bytes);
    writeFileSync(join(dir, 'b-good.dcm'), good.bytes);
    const r = await runDcmtk('storescu', ['-v', '-aet', 'MODALITY1', '-aec', 'READFIRST', '+sd', '--no-halt', '127.0.0.1', port, dir]);
    const out = r.stdout + r.stderr;
    expect(out).toContain('Received Store Response (Error: DataSetDoesNotMatchSOPClass)');
    expect(acknowledgedCount(out)).toBe(1);
    expect(await app.services.dicom.studies.getInstance(good.sopUid)).toBeDefined();
  });
});
