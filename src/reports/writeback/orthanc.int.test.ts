import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../app/app.ts';
import { loadConfig } from '../../config/load.ts';
import { deriveStudy } from '../../inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../../inference/testing/tiny-package.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';
import { acknowledgedCount, runDcmtk } from '../../../test/support/dcmtk.ts';
import { freePort } from '../../../test/support/server-process.ts';
import { readSr } from '../sr/read-sr.ts';
import { orthanc, type TestOrthanc } from '../testing/orthanc.ts';

const ROOT = '1.2.826.0.1.3680043.10.1455.77';
// Pneumothorax positive at every operating point for any image; nothing else ever positive.
const tiny = makeTinyPackage({
  card: (c) => c.findings.forEach((f) => f.operatingPoints.forEach((p) => (p.threshold = f.key === 'pneumothorax' ? 0 : 1))),
});
const chest = (name: string, uid: string): { path: string; uid: string } =>
  deriveStudy(name, uid, { '00185101': ['CS', 'PA'], '00180015': ['CS', 'CHEST'], '00080060': ['CS', 'CR'] });

interface OrthancSeries {
  ID: string;
  ParentStudy: string;
  MainDicomTags: { Modality: string; SeriesInstanceUID: string };
  Instances: string[];
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('write-back to a live Orthanc (C-STORE, STOW-RS, priority metadata, peer killed mid-delivery)', () => {
  let pacs: TestOrthanc;
  let rfPort = 0;
  const apps: App[] = [];

  async function start(
    dataDir: string,
    destinations: Record<string, string | number>[],
    writeback: Record<string, number> = {},
  ): Promise<App> {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        log: { level: 'silent' },
        http: { port: 0 },
        dimse: { port: rfPort, host: '127.0.0.1' },
        ingest: { quietPeriodMs: 300 },
        inference: { modelDirs: [tiny.dir], intraOpThreads: 1 },
        writeback: { destinations, backoffMs: 300, maxBackoffMs: 1_000, pollMs: 200, leaseMs: 5_000, timeoutMs: 5_000, ...writeback },
      },
    });
    const app = await startApp(config);
    apps.push(app);
    return app;
  }
  const stop = async (app: App): Promise<void> => {
    await app.close();
    apps.splice(apps.indexOf(app), 1);
  };
  const storescu = async (port: number, aec: string, path: string): Promise<void> => {
    const r = await runDcmtk('storescu', ['-v', '-aec', aec, '127.0.0.1', String(port), path]);
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(1);
  };
  const orthancStudy = async (studyUid: string): Promise<string | undefined> =>
    (await pacs.rest<{ ID: string; Type: string }[]>('/tools/lookup', { method: 'POST', body: studyUid })).find((x) => x.Type === 'Study')
      ?.ID;
  const seriesOf = async (studyUid: string): Promise<OrthancSeries[]> => {
    const id = await orthancStudy(studyUid);
    return id ? pacs.rest<OrthancSeries[]>(`/studies/${id}/series`) : [];
  };
  const sopUidsOf = async (series: OrthancSeries[], modalities: readonly string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const s of series.filter((x) => modalities.includes(x.MainDicomTags.Modality)))
      for (const i of s.Instances)
        out.push((await pacs.rest<{ MainDicomTags: { SOPInstanceUID: string } }>(`/instances/${i}`)).MainDicomTags.SOPInstanceUID);
    return out.sort();
  };

  /** The image goes into Orthanc; Orthanc's Lua forwards it to readfirst; the SR, KOS and heat-map must come back. */
  async function roundTrip(app: App, name: string, uid: string): Promise<void> {
    const study = chest(name, uid);
    await storescu(pacs.dicomPort, pacs.aeTitle, study.path);
    const series = await until('the AI series in Orthanc', async () => {
      const s = await seriesOf(study.uid);
      return s.length === 4 && s;
    });
    expect(series.map((s) => s.MainDicomTags.Modality).sort()).toEqual(['CR', 'KO', 'OT', 'SR']);
    expect(new Set(series.map((s) => s.ParentStudy)).size).toBe(1);
    const sr = series.find((s) => s.MainDicomTags.Modality === 'SR');
    const bytes = await pacs.rest<Buffer>(`/instances/${sr?.Instances[0] ?? ''}/file`);
    const reading = readSr(bytes);
    const results = (await app.services.inference.results.listForStudy(study.uid)).filter((r) => r.status === 'analysed');
    expect(results).toHaveLength(1);
    expect(reading.studyInstanceUid).toBe(study.uid);
    expect(reading.verificationFlag).toBe('UNVERIFIED');
    expect(reading.contributingEquipment[0]).toMatchObject({
      purpose: 'Processing Algorithm',
      modelName: tiny.card.name,
      softwareVersion: tiny.card.version,
    });
    expect(
      reading.findings.map((f) => ({
        code: f.code.CodeValue,
        sop: f.sopInstanceUid,
        p: f.probability,
        present: f.decisions.map((d) => d.present),
      })),
    ).toEqual(
      results[0]?.findings.map((f) => ({
        code: f.code.code,
        sop: results[0]?.sopInstanceUid,
        p: Number(f.probability.toPrecision(6)),
        present: f.decisions.map((d) => d.positive),
      })),
    );
  }

  beforeAll(async () => {
    rfPort = await freePort();
    pacs = orthanc({
      httpPort: await freePort(),
      dicomPort: await freePort(),
      forwardTo: { aeTitle: 'READFIRST', port: rfPort },
      userMetadata: ['ReadfirstUrgency'],
    });
    await pacs.start();
  });
  afterEach(async () => {
    // Orthanc's Lua forwarding job stays open a few seconds after its last send, holding its
    // association to this readfirst; a forward appended to it would go down that dead association
    // after the restart, and be lost. Let it finish first, so the next test's forward opens anew.
    await until("Orthanc's forwarding jobs to finish", async () =>
      (await pacs.rest<{ State: string }[]>('/jobs?expand')).every((j) => j.State !== 'Running' && j.State !== 'Pending'),
    );
    for (const a of [...apps]) await stop(a);
  });
  afterAll(async () => {
    await pacs?.stop();
  });

  it('gets the SR, heat-map and KOS back over C-STORE into the same study, and the urgency as Orthanc metadata', async () => {
    const app = await start(mkdtempSync(join(tmpdir(), 'rf-wb-a-')), [
      { type: 'dimse', id: 'orthanc-dimse', host: '127.0.0.1', port: pacs.dicomPort, aeTitle: pacs.aeTitle },
      { type: 'orthanc-priority', id: 'orthanc-priority', url: `http://127.0.0.1:${pacs.httpPort}` },
    ]);
    await roundTrip(app, 'wb-dimse', `${ROOT}.1`);
    const id = await orthancStudy(`${ROOT}.1`);
    const urgency = await until('the urgency metadata', async () =>
      (await pacs.rest<Buffer>(`/studies/${id ?? ''}/metadata/ReadfirstUrgency`)).toString(),
    );
    expect(urgency).toBe('1-critical');
    // Prometheus scrapes with a token of its own (the `metrics` scope).
    const scrape = await serviceToken(app, ['metrics']);
    const metrics = await (await fetch(`http://127.0.0.1:${app.httpPort()}/metrics`, { headers: bearer(scrape) })).text();
    expect(metrics).toContain('readfirst_writeback_deliveries{destination="orthanc-dimse",state="delivered"} 3');
    expect(metrics).toContain('readfirst_writeback_destination_up{destination="orthanc-dimse"} 1');
    // The same state in the app API, for a signed-in user.
    const base = `http://127.0.0.1:${app.httpPort()}`;
    await app.services.security.users.create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader password' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${base}/api/writeback/destinations`)).status).toBe(401);
    const dests = (await (await fetch(`${base}/api/writeback/destinations`, { headers: { cookie } })).json()) as {
      items: Record<string, unknown>[];
    };
    expect(dests.items).toEqual([
      expect.objectContaining({ id: 'orthanc-dimse', type: 'dimse', up: true, pending: 0, delivered: 3, failed: 0 }),
      expect.objectContaining({ id: 'orthanc-priority', type: 'orthanc-priority', up: true, pending: 0, failed: 0 }),
    ]);
    const outputs = (await (await fetch(`${base}/api/studies/${ROOT}.1/outputs`, { headers: { cookie } })).json()) as {
      items: { id: string; kind: string; deliveries: { state: string }[] }[];
    };
    expect(outputs.items.map((o) => o.kind).sort()).toEqual(['heatmap', 'kos', 'sr', 'urgency']);
    const sr = outputs.items.find((o) => o.kind === 'sr');
    const file = await fetch(`${base}/api/outputs/${sr?.id ?? ''}`, { headers: { cookie } });
    expect(file.headers.get('content-type')).toBe('application/dicom');
    expect(readSr(Buffer.from(await file.arrayBuffer())).studyInstanceUid).toBe(`${ROOT}.1`);
    expect((await fetch(`${base}/api/writeback/destinations/orthanc-dimse/retry`, { method: 'POST', headers: { cookie } })).status).toBe(
      403,
    );
  });

  it("does the same over STOW-RS into Orthanc's DICOMweb", async () => {
    const app = await start(mkdtempSync(join(tmpdir(), 'rf-wb-b-')), [
      { type: 'stow-rs', id: 'orthanc-stow', url: `http://127.0.0.1:${pacs.httpPort}/dicom-web` },
    ]);
    await roundTrip(app, 'wb-stow', `${ROOT}.2`);
    const outbox = app.services.reports.outbox;
    expect((await outbox.deliveries({ studyInstanceUid: `${ROOT}.2` })).map((d) => [d.kind, d.state, d.attempts]).sort()).toEqual([
      ['heatmap', 'delivered', 1],
      ['kos', 'delivered', 1],
      ['sr', 'delivered', 1],
    ]);
  });

  it('delivers everything exactly once when the PACS is killed mid-delivery and readfirst restarts during the outage', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rf-wb-c-'));
    const destinations = [{ type: 'dimse', id: 'orthanc-dimse', host: '127.0.0.1', port: pacs.dicomPort, aeTitle: pacs.aeTitle }];
    let app = await start(dataDir, destinations, { batchSize: 1 });
    const studies = [chest('wb-kill-1', `${ROOT}.3`), chest('wb-kill-2', `${ROOT}.4`), chest('wb-kill-3', `${ROOT}.5`)];
    for (const s of studies) await storescu(rfPort, 'READFIRST', s.path);
    let outbox = app.services.reports.outbox;
    await until('the first delivery', async () => (await outbox.deliveries()).some((d) => d.state === 'delivered'), 60_000);
    await pacs.kill();
    const atKill = await outbox.deliveries();
    await until('a failed attempt while the PACS is down', async () => (await outbox.deliveries()).some((d) => d.lastError !== null));
    const sends = async (a: App): Promise<number> => {
      const text = await a.ctx.metrics.getSingleMetricAsString('readfirst_writeback_attempts_total');
      return Number(/destination="orthanc-dimse",outcome="delivered"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    let successfulSends = await sends(app);
    await stop(app);
    app = await start(dataDir, destinations, { batchSize: 1 });
    outbox = app.services.reports.outbox;
    await new Promise((r) => setTimeout(r, 800));
    await pacs.start();
    const all = await until('every delivery done', async () => {
      const d = await outbox.deliveries();
      return d.length === 9 && d.every((x) => x.state === 'delivered') && d;
    });
    successfulSends += await sends(app);
    // The kill left work undone; the restarted readfirst finished it.
    expect(atKill.some((d) => d.state === 'pending')).toBe(true);
    expect(all.some((d) => d.attempts > 1)).toBe(true);
    // Exactly once: one successful C-STORE per object, and Orthanc holds each object once.
    expect(successfulSends).toBe(9);
    for (const s of studies) {
      const objects = (await outbox.objectsOfStudy(s.uid)).map((o) => o.id).sort();
      expect(objects).toHaveLength(3);
      expect(await sopUidsOf(await seriesOf(s.uid), ['SR', 'KO', 'OT'])).toEqual(objects);
    }
  });
});
