import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import { bearer, serviceToken } from '../../test/support/auth.ts';
import { makeInstance } from '../../test/support/dicom-gen.ts';
import type { App } from '../app/app.ts';
import { upsPriorityOf } from '../triage/ups-priority.ts';

type Ds = Record<string, { vr: string; Value?: unknown[] } | undefined>;
const STATE = '00741000';
const PRIORITY = '00741200';
const TX = '00081195';

describe('UPS-RS subset (PS3.18 11, IHE AIW-I) against the real server', () => {
  let app: App;
  let base: string;
  let token = '';
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false, 'ingest.quietPeriodMs': 50 });
    token = await serviceToken(app, ['workitems', 'dicomweb:write', 'dicomweb:read']);
    base = `http://127.0.0.1:${app.httpPort()}/dicom-web/workitems`;
  });
  afterAll(async () => app.close());

  const call = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/dicom+json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const state = (s: string, tx?: string): Ds => ({ [STATE]: { vr: 'CS', Value: [s] }, ...(tx ? { [TX]: { vr: 'UI', Value: [tx] } } : {}) });

  it('creates, claims, updates and completes a workitem, refusing a foreign Transaction UID', async () => {
    const created = await call('POST', '?AffectedSOPInstanceUID=2.25.1001', [
      { [PRIORITY]: { vr: 'CS', Value: ['LOW'] }, '00741204': { vr: 'LO', Value: ['external AI job'] } },
    ]);
    expect(created.status).toBe(201);
    expect(created.headers.get('content-location')).toMatch(/\/dicom-web\/workitems\/2\.25\.1001$/);
    expect((await call('POST', '?AffectedSOPInstanceUID=2.25.1001', [{}])).status).toBe(409);
    const [item] = (await (await call('GET', '/2.25.1001')).json()) as Ds[];
    expect(item?.[STATE]?.Value).toEqual(['SCHEDULED']);
    expect((await call('PUT', '/2.25.1001/state', [state('IN PROGRESS', '2.25.77')])).status).toBe(200);
    expect((await call('PUT', '/2.25.1001/state', [state('IN PROGRESS', '2.25.78')])).status).toBe(409);
    expect((await call('POST', '/2.25.1001', [{ [PRIORITY]: { vr: 'CS', Value: ['HIGH'] } }])).status).toBe(409);
    expect((await call('POST', '/2.25.1001?transaction=2.25.77', [{ [PRIORITY]: { vr: 'CS', Value: ['HIGH'] } }])).status).toBe(200);
    expect((await call('PUT', '/2.25.1001/state', [state('COMPLETED', '2.25.78')])).status).toBe(409);
    expect((await call('PUT', '/2.25.1001/state', [state('COMPLETED', '2.25.77')])).status).toBe(200);
    const [done] = (await (await call('GET', '/2.25.1001')).json()) as Ds[];
    expect([done?.[STATE]?.Value, done?.[PRIORITY]?.Value, done?.[TX]]).toEqual([['COMPLETED'], ['HIGH'], undefined]);
    expect((await call('POST', '/2.25.1001/cancelrequest')).status).toBe(409);
  });

  it('cancels a scheduled workitem on request and searches by state and priority', async () => {
    expect((await call('POST', '?AffectedSOPInstanceUID=2.25.1002', [{ [PRIORITY]: { vr: 'CS', Value: ['MEDIUM'] } }])).status).toBe(201);
    expect((await call('POST', '/2.25.1002/cancelrequest')).status).toBe(202);
    const canceled = (await (await call('GET', '?ProcedureStepState=CANCELED')).json()) as Ds[];
    expect(canceled.map((d) => d['00080018']?.Value?.[0])).toContain('2.25.1002');
    expect((await call('GET', '?ProcedureStepState=DONE')).status).toBe(400);
    expect((await call('GET', '?Foo=1')).status).toBe(400);
    expect((await call('POST', '', [state('IN PROGRESS')])).status).toBe(400);
    expect((await call('GET', '/2.25.9999')).status).toBe(404);
  });

  it('keeps one SCHEDULED AI workitem per study on the worklist, with the priority of its urgency', async () => {
    const x = makeInstance({ patientId: 'UPS-1' });
    await app.services.dicom.ingest.storeBuffer(x.bytes, 'import');
    const deadline = Date.now() + 15_000;
    let found: Ds[] = [];
    while (found.length === 0 && Date.now() < deadline) {
      found = (await (await call('GET', `?StudyInstanceUID=${x.studyUid}`)).json()) as Ds[];
      if (found.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    const item = await app.services.worklist.get(x.studyUid);
    expect(item).toBeDefined();
    expect(found).toHaveLength(1);
    expect(found[0]?.[STATE]?.Value).toEqual(['SCHEDULED']);
    expect(found[0]?.[PRIORITY]?.Value).toEqual([upsPriorityOf(item!.urgency)]);
  });
});
