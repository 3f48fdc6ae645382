import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import { allMigrations } from '../app/modules.ts';
import type { ModuleRunner } from '../app/runner.ts';
import { dicomModule } from '../dicom/module.ts';
import { inferenceModule } from '../inference/module.ts';
import { securityModule } from '../security/module.ts';
import { migrate } from '../store/migrate.ts';
import { monitorModule } from './module.ts';

const wire = async (m: ModuleRunner) => {
  const security = await m.start(securityModule, {});
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  await m.start(monitorModule, { results: inference.results, scheduled: true });
  return { guard: security.guard, security };
};

describe('monitoring API and metrics', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base = '';
  let cookie = '';
  beforeAll(async () => {
    app = await startTestAppWith(
      { 'dimse.enabled': false, 'inference.modelDirs': [mkdtempSync(join(tmpdir(), 'rf-no-models-'))], 'monitor.drift.checkEveryMs': 0 },
      wire,
    );
    await migrate(app.ctx.db, allMigrations);
    base = `http://127.0.0.1:${app.httpPort()}`;
    await app.services.security.users.create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader password' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the report as JSON with its plot specs, CSV and self-contained HTML to signed-in readers only', async () => {
    expect((await fetch(`${base}/api/monitor/report`)).status).toBe(401);
    const res = await fetch(`${base}/api/monitor/report?from=2026-01-01&to=2026-02-01`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      report: { window: { from: string }; studies: { cases: number } };
      charts: { id: string; spec: { $schema: string } }[];
    };
    expect(body.report.window.from).toBe('2026-01-01T00:00:00.000Z');
    expect(body.report.studies.cases).toBe(0);
    expect(body.charts.map((c) => c.id)).toEqual(['auroc', 'reliability', 'underdiagnosis', 'score-drift', 'gate', 'turnaround']);
    expect(body.charts[0]?.spec.$schema).toMatch(/vega-lite\/v5/);
    const csv = await fetch(`${base}/api/monitor/report.csv`, { headers: { cookie } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toMatch(/^section,model,subject,group,metric,value,lo,hi,k,n\n/);
    const html = await (await fetch(`${base}/api/monitor/report.html`, { headers: { cookie } })).text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<figure id="chart-/g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/);
    expect(await (await fetch(`${base}/api/monitor/models`, { headers: { cookie } })).json()).toEqual({ models: [] });
  });

  it('answers a bad window with 400 and a message', async () => {
    const bad = await fetch(`${base}/api/monitor/report?from=yesterday`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/from: must be a date/);
    const reversed = await fetch(`${base}/api/monitor/report?from=2026-02-01&to=2026-01-01`, { headers: { cookie } });
    expect(reversed.status).toBe(400);
  });

  it('exposes the operational metrics to Prometheus', async () => {
    const text = await app.ctx.metrics.metrics();
    for (const name of [
      'readfirst_worklist_queue_depth 0',
      'readfirst_alerts_pending 0',
      'readfirst_inference_image_seconds',
      'readfirst_gate_rejections_total',
      'readfirst_drift_psi',
    ])
      expect(text).toContain(name);
  });
});
